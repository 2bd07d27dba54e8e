// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the SCHED_RANDOM run queue (kernel/sched/random_rq.rs and
 * random_chaos.rs), called through kernel/sched/random.h as the class calls
 * it.
 *
 * Each test builds a struct rq of its own, of which only ->random is used
 * (and the CPU number, which the decision tracepoint reports), and fake
 * tasks: zeroed task_structs, of which the queue reads ->random,
 * ->se.sum_exec_runtime and, for the tracepoint, ->pid. No other CPU can
 * see them, which is what the rq lock that the queue's functions require
 * guarantees, and nothing here is ever scheduled.
 *
 * The checks read only what random.h and <linux/sched/random.h> document:
 * the task array, the overflow treap's links, sizes and priorities, and the
 * decision stream's state. The decision stream is also compared with a
 * model written here from random_chaos.rs's description (SplitMix64,
 * Lemire's multiply-and-reject draw): a pick must return the k-th task for
 * the model's k, so every position of the queue can be reached on purpose.
 */

#include <kunit/test.h>
#include <linux/mmu_context.h>
#include <linux/prandom.h>

#include "sched.h"

/* A fake task with the SCHED_RANDOM part of a new task. */
static struct task_struct *fake_task(struct kunit *test, int pid)
{
	struct task_struct *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->pid = pid;
	random_entity_init(&p->random);
	return p;
}

/* An empty run queue, with no task array yet (as every CPU starts). */
static struct random_rq *fake_rq(struct kunit *test)
{
	struct rq *rq = kunit_kzalloc(test, sizeof(*rq), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rq);
	random_rq_init(&rq->random);
	return &rq->random;
}

/* Gives @rrq a task array of @cap entries; returns what it hands back. */
static struct task_struct **give_slots(struct kunit *test, struct random_rq *rrq,
				       unsigned int cap)
{
	struct task_struct **slots = kunit_kcalloc(test, cap, sizeof(*slots),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, slots);
	return random_rq_adopt_slots(rrq, slots, cap);
}

/* A run queue, its tasks, and which of them the test has queued. */
struct rq_test {
	struct kunit *test;
	struct random_rq *rrq;
	struct task_struct **tasks;
	bool *queued;
	unsigned int nr_tasks;
	unsigned int nr_queued;
	/* The queued tasks by position (array, then treap in order). */
	struct task_struct **order;
	unsigned int nr_order;
};

static struct rq_test *rq_test_new(struct kunit *test, unsigned int nr_tasks)
{
	struct rq_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->test = test;
	t->rrq = fake_rq(test);
	t->nr_tasks = nr_tasks;
	t->tasks = kunit_kcalloc(test, nr_tasks, sizeof(*t->tasks), GFP_KERNEL);
	t->queued = kunit_kcalloc(test, nr_tasks, sizeof(*t->queued), GFP_KERNEL);
	t->order = kunit_kcalloc(test, nr_tasks, sizeof(*t->order), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->tasks);
	KUNIT_ASSERT_NOT_NULL(test, t->queued);
	KUNIT_ASSERT_NOT_NULL(test, t->order);
	for (i = 0; i < nr_tasks; i++)
		t->tasks[i] = fake_task(test, i + 1);
	return t;
}

static struct task_struct *rse_task(struct sched_random_entity *rse)
{
	return container_of(rse, struct task_struct, random);
}

static u32 subtree_size(struct sched_random_entity *n)
{
	return n ? n->size : 0;
}

/*
 * Checks the treap under @n (whose parent must be @parent, at @depth) and
 * appends its tasks in order to t->order; returns what is wrong, or NULL.
 */
static const char *treap_broken(struct rq_test *t, struct sched_random_entity *n,
				struct sched_random_entity *parent,
				unsigned int depth)
{
	const char *err;

	if (!n)
		return NULL;
	if (depth > t->nr_tasks)
		return "treap: deeper than its number of tasks (a cycle?)";
	if (n->parent != parent)
		return "treap: wrong parent link";
	if (parent && n->prio > parent->prio)
		return "treap: a priority above its parent's";
	if (n->slot)
		return "treap: a node that also has an array slot";
	if (t->nr_order >= t->nr_tasks)
		return "treap: more nodes than tasks (a cycle?)";
	err = treap_broken(t, n->left, n, depth + 1);
	if (err)
		return err;
	t->order[t->nr_order++] = rse_task(n);
	err = treap_broken(t, n->right, n, depth + 1);
	if (err)
		return err;
	if (n->size != 1 + subtree_size(n->left) + subtree_size(n->right))
		return "treap: wrong subtree size";
	return NULL;
}

/*
 * Checks every invariant of the run queue that random.h documents against
 * the tasks the test queued, and lists the queue by position in t->order;
 * returns what is wrong, or NULL.
 */
static const char *rq_broken(struct rq_test *t)
{
	struct random_rq *rrq = t->rrq;
	unsigned int i, nr = 0;
	const char *err;

	t->nr_order = 0;
	if (rrq->nr_slots > rrq->slots_cap)
		return "more tasks in the array than it holds";
	if (rrq->slots_cap && !rrq->slots)
		return "a capacity without an array";
	if (rrq->nr_slots > t->nr_tasks)
		return "more tasks in the array than the test has";
	for (i = 0; i < rrq->nr_slots; i++) {
		struct task_struct *p = rrq->slots[i];

		if (p->random.slot != i + 1)
			return "array: a task whose slot is not its index + 1";
		if (p->random.size)
			return "array: a task that is also in the treap";
		t->order[t->nr_order++] = p;
	}
	if (rrq->root && rrq->nr_slots != rrq->slots_cap)
		return "tasks in the treap while the array has room";
	err = treap_broken(t, rrq->root, NULL, 0);
	if (err)
		return err;
	if (rrq->nr_queued != t->nr_order)
		return "nr_queued is not the array's tasks plus the treap's";
	if (rrq->nr_queued != t->nr_queued)
		return "nr_queued is not the number of tasks queued";
	for (i = 0; i < t->nr_tasks; i++) {
		struct sched_random_entity *rse = &t->tasks[i]->random;
		bool in = rse->slot || rse->size;

		if (in != t->queued[i])
			return in ? "a task that was not queued is in the queue" :
				    "a queued task is missing from the queue";
		if (!in && (rse->parent || rse->left || rse->right))
			return "a task out of the queue with treap links";
		nr += in;
	}
	if (nr != t->nr_order)
		return "a task twice in the queue";
	return NULL;
}

#define KUNIT_ASSERT_RQ_OK(rqt, fmt, ...) do {				\
	struct rq_test *__t = (rqt);					\
	const char *__err = rq_broken(__t);				\
									\
	KUNIT_ASSERT_TRUE_MSG(__t->test, !__err, "%s; " fmt, __err,	\
			      ##__VA_ARGS__);				\
} while (0)

static void rq_test_enqueue(struct rq_test *t, unsigned int i)
{
	KUNIT_ASSERT_FALSE(t->test, t->queued[i]);
	KUNIT_ASSERT_TRUE(t->test, random_rq_enqueue(t->rrq, t->tasks[i]));
	t->queued[i] = true;
	t->nr_queued++;
}

static void rq_test_dequeue(struct rq_test *t, unsigned int i)
{
	KUNIT_ASSERT_TRUE(t->test, t->queued[i]);
	KUNIT_ASSERT_TRUE(t->test, random_rq_dequeue(t->rrq, t->tasks[i]));
	t->queued[i] = false;
	t->nr_queued--;
}

/* A value below @n from the test's own generator (for orders of operations). */
static u32 test_below(struct rnd_state *rs, u32 n)
{
	return ((u64)prandom_u32_state(rs) * n) >> 32;
}

static void shuffle(struct rnd_state *rs, unsigned int *a, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n; i > 1; i--) {
		j = test_below(rs, i);
		swap(a[i - 1], a[j]);
	}
}

/*
 * The decision stream, as random_chaos.rs describes it: SplitMix64 seeded
 * per CPU, and bounded draws by Lemire's method with at most 8 rejections.
 */
#define SPLITMIX_GAMMA	0x9e3779b97f4a7c15ULL

static u64 model_mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 model_seed(u64 seed, u32 cpu)
{
	return model_mix(seed ^ model_mix((u64)(cpu + 1) * SPLITMIX_GAMMA));
}

static u32 model_next(u64 *state)
{
	*state += SPLITMIX_GAMMA;
	return model_mix(*state) >> 32;
}

/* A draw from 0..@n; counts in *@rejected the products it rejected. */
static u32 model_uniform(u64 *state, u32 n, unsigned int *rejected)
{
	unsigned int rejects = 0;
	u64 m;

	if (n <= 1)
		return 0;
	m = (u64)model_next(state) * n;
	if ((u32)m < n) {
		u32 threshold = -n % n;

		while ((u32)m < threshold && rejects < 8) {
			m = (u64)model_next(state) * n;
			rejects++;
		}
	}
	if (rejected)
		*rejected += rejects;
	return m >> 32;
}

/* A chaos-mode slice length between @lo and @hi (random_chaos.rs). */
static u64 model_slice_len(u64 *state, u64 lo, u64 hi)
{
	u64 start, end;
	u32 k;

	if (!lo || lo >= hi)
		return hi;
	k = model_uniform(state, fls64((hi - 1) / lo), NULL);
	start = min(lo << k, hi);
	end = min(start > U64_MAX / 2 ? U64_MAX : 2 * start, hi);
	return start + model_uniform(state, min_t(u64, end - start, U32_MAX), NULL);
}

/* Chi-square of @nr counts against equal expectations, times 100. */
static u64 chi_square_x100(const unsigned int *count, unsigned int nr)
{
	u64 total = 0, sum = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		total += count[i];
	for (i = 0; i < nr; i++) {
		s64 d = (s64)count[i] * nr - total;

		sum += div64_u64((u64)(d * d) * 100, total * nr);
	}
	return sum;
}

/* The empty queue, and the operations the queue must refuse. */
static void empty_queue(struct kunit *test)
{
	struct rq_test *t = rq_test_new(test, 2);
	struct random_rq *rrq = t->rrq;

	KUNIT_ASSERT_RQ_OK(t, "initialised");
	KUNIT_EXPECT_NULL(test, rrq->slots);
	KUNIT_EXPECT_EQ(test, rrq->slots_cap, 0);
	KUNIT_EXPECT_NULL(test, random_rq_pick(rrq));
	KUNIT_EXPECT_FALSE(test, random_rq_wakeup(rrq, t->tasks[0], false));
	KUNIT_EXPECT_EQ(test, rrq->nr_picks, 0);
	KUNIT_EXPECT_EQ(test, rrq->seq, 0);

	/* Dequeuing a task that is not queued changes nothing. */
	KUNIT_EXPECT_FALSE(test, random_rq_dequeue(rrq, t->tasks[0]));
	KUNIT_ASSERT_RQ_OK(t, "after a refused dequeue");

	/* Neither does queuing a task twice, in the treap or the array. */
	rq_test_enqueue(t, 0);
	KUNIT_EXPECT_FALSE(test, random_rq_enqueue(rrq, t->tasks[0]));
	KUNIT_ASSERT_RQ_OK(t, "after a refused enqueue into the treap");
	KUNIT_EXPECT_NULL(test, give_slots(test, rrq, 4));
	KUNIT_EXPECT_FALSE(test, random_rq_enqueue(rrq, t->tasks[0]));
	KUNIT_ASSERT_RQ_OK(t, "after a refused enqueue into the array");

	/* One task: every pick returns it. */
	KUNIT_EXPECT_PTR_EQ(test, random_rq_pick(rrq), t->tasks[0]);
	KUNIT_EXPECT_EQ(test, rrq->nr_picks, 1);
	rq_test_dequeue(t, 0);
	KUNIT_EXPECT_FALSE(test, random_rq_dequeue(rrq, t->tasks[0]));
	KUNIT_ASSERT_RQ_OK(t, "emptied");
	KUNIT_EXPECT_NULL(test, random_rq_pick(rrq));
}

/*
 * Enqueues and dequeues in random orders, through the treap alone (no
 * array yet), a full array with the rest in the treap, and a grown array;
 * every invariant holds after every operation.
 */
static void enqueue_dequeue_any_order(struct kunit *test)
{
	const unsigned int nr = 300;
	struct rq_test *t = rq_test_new(test, nr);
	unsigned int *perm = kunit_kcalloc(test, nr, sizeof(*perm), GFP_KERNEL);
	struct rnd_state rs;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, perm);
	prandom_seed_state(&rs, 0x5eed);

	/* No array yet: 100 tasks in the treap. */
	shuffle(&rs, perm, 100);
	for (i = 0; i < 100; i++) {
		rq_test_enqueue(t, perm[i]);
		KUNIT_ASSERT_RQ_OK(t, "treap only, enqueue %u", i);
	}
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 0);
	KUNIT_EXPECT_EQ(test, subtree_size(t->rrq->root), 100);

	/* 64 of them move to an array; the rest stay in the treap. */
	KUNIT_EXPECT_NULL(test, give_slots(test, t->rrq, 64));
	KUNIT_ASSERT_RQ_OK(t, "array of 64");
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 64);
	KUNIT_EXPECT_EQ(test, subtree_size(t->rrq->root), 36);

	/* Random enqueues and dequeues of all 300 tasks. */
	for (i = 0; i < 3000; i++) {
		unsigned int k = test_below(&rs, nr);

		if (t->queued[k])
			rq_test_dequeue(t, k);
		else
			rq_test_enqueue(t, k);
		KUNIT_ASSERT_RQ_OK(t, "operation %u", i);
		if (i == 1500) {
			give_slots(test, t->rrq, 256);
			KUNIT_ASSERT_RQ_OK(t, "array of 256");
		}
	}

	/* Everything queued, then everything dequeued in a random order. */
	for (i = 0; i < nr; i++)
		if (!t->queued[i])
			rq_test_enqueue(t, i);
	KUNIT_ASSERT_RQ_OK(t, "all queued");
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 256);
	KUNIT_EXPECT_EQ(test, subtree_size(t->rrq->root), nr - 256);
	shuffle(&rs, perm, nr);
	for (i = 0; i < nr; i++) {
		rq_test_dequeue(t, perm[i]);
		KUNIT_ASSERT_RQ_OK(t, "final dequeue %u", i);
	}
	KUNIT_EXPECT_EQ(test, t->rrq->nr_queued, 0);
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 0);
	KUNIT_EXPECT_NULL(test, t->rrq->root);
}

/*
 * Fills a queue of @nr tasks with an array of @cap, seeds its decision
 * stream and the model's with @seed on CPU @cpu.
 */
static struct rq_test *seeded_queue(struct kunit *test, unsigned int nr,
				    unsigned int cap, u64 seed, u32 cpu,
				    u64 *model)
{
	struct rq_test *t = rq_test_new(test, nr);
	unsigned int i;

	if (cap)
		give_slots(test, t->rrq, cap);
	for (i = 0; i < nr; i++)
		rq_test_enqueue(t, i);
	KUNIT_ASSERT_RQ_OK(t, "filled");
	random_rq_seed(t->rrq, seed, cpu);
	*model = model_seed(seed, cpu);
	return t;
}

/*
 * A pick returns the k-th queued task (array first, then the treap in
 * order) for the k the decision stream draws: every k, in the array and in
 * the treap, is reached.
 */
static void kth_task_for_every_k(struct kunit *test)
{
	const unsigned int nr = 40;
	u64 model;
	struct rq_test *t = seeded_queue(test, nr, 16, 1, 0, &model);
	bool *hit = kunit_kcalloc(test, nr, sizeof(*hit), GFP_KERNEL);
	unsigned int picks, nr_hit = 0;

	KUNIT_ASSERT_NOT_NULL(test, hit);
	KUNIT_ASSERT_EQ(test, t->rrq->nr_slots, 16);
	for (picks = 0; picks < 20000 && nr_hit < nr; picks++) {
		u32 k = model_uniform(&model, nr, NULL);
		struct task_struct *p = random_rq_pick(t->rrq);

		KUNIT_ASSERT_PTR_EQ_MSG(test, p, t->order[k],
					"pick %u: not the k-th task for k = %u",
					picks, k);
		nr_hit += !hit[k];
		hit[k] = true;
	}
	KUNIT_EXPECT_EQ_MSG(test, nr_hit, nr, "positions reached in %u picks",
			    picks);
	KUNIT_EXPECT_EQ(test, t->rrq->seq, picks);
	KUNIT_EXPECT_EQ(test, t->rrq->nr_picks, picks);
	KUNIT_ASSERT_RQ_OK(t, "after the picks");
}

/*
 * After a yield, a pick draws among the others: it returns the k-th of the
 * queue without the yielder, wherever the yielder is (in the array or at
 * any rank in the treap), and never the yielder.
 */
static void yield_skips_the_yielder(struct kunit *test)
{
	const unsigned int nr = 24;
	u64 model;
	struct rq_test *t = seeded_queue(test, nr, 8, 2, 1, &model);
	unsigned int pos, i;

	for (pos = 0; pos < nr; pos++) {
		struct task_struct *y = t->order[pos];

		for (i = 0; i < 50; i++) {
			u32 k = model_uniform(&model, nr - 1, NULL);
			struct task_struct *p;

			random_rq_yield(t->rrq, y);
			p = random_rq_pick(t->rrq);
			KUNIT_ASSERT_PTR_NE(test, p, y);
			KUNIT_ASSERT_PTR_EQ_MSG(test, p,
						t->order[k >= pos ? k + 1 : k],
						"yielder at %u, k = %u", pos, k);
			/* The pick's slice starts: the yield has served. */
			random_rq_start_slice(t->rrq, p, 0, 4 * NSEC_PER_MSEC);
			KUNIT_ASSERT_NULL(test, t->rrq->skip);
		}
	}
	/* A yielder alone is picked. */
	t = rq_test_new(test, 1);
	rq_test_enqueue(t, 0);
	random_rq_yield(t->rrq, t->tasks[0]);
	KUNIT_EXPECT_PTR_EQ(test, random_rq_pick(t->rrq), t->tasks[0]);
	/* A yielder that leaves the queue is forgotten. */
	rq_test_dequeue(t, 0);
	KUNIT_EXPECT_NULL(test, t->rrq->skip);
}

/*
 * The task array grows only when given a larger one: its tasks keep their
 * positions, the treap empties into the room, and the old array is handed
 * back to be freed.
 */
static void array_growth(struct kunit *test)
{
	const unsigned int nr = 100;
	struct rq_test *t = rq_test_new(test, nr);
	struct task_struct **small, **given, *before[8];
	unsigned int i;

	for (i = 0; i < nr; i++)
		rq_test_enqueue(t, i);
	KUNIT_ASSERT_RQ_OK(t, "treap only");

	KUNIT_EXPECT_NULL(test, give_slots(test, t->rrq, 8));
	KUNIT_ASSERT_RQ_OK(t, "array of 8");
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 8);
	small = t->rrq->slots;
	memcpy(before, small, sizeof(before));

	/* Not larger: refused, handed back, nothing changes. */
	given = kunit_kcalloc(test, 8, sizeof(*given), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, given);
	KUNIT_EXPECT_PTR_EQ(test, random_rq_adopt_slots(t->rrq, given, 8), given);
	KUNIT_EXPECT_PTR_EQ(test, random_rq_adopt_slots(t->rrq, given, 4), given);
	KUNIT_EXPECT_NULL(test, random_rq_adopt_slots(t->rrq, NULL, 64));
	KUNIT_EXPECT_PTR_EQ(test, t->rrq->slots, small);
	KUNIT_EXPECT_EQ(test, t->rrq->slots_cap, 8);
	KUNIT_ASSERT_RQ_OK(t, "after refused arrays");

	/* A task leaving the full array makes room for one from the treap. */
	rq_test_dequeue(t, before[3]->pid - 1);
	KUNIT_ASSERT_RQ_OK(t, "dequeue from a full array");
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 8);
	KUNIT_EXPECT_EQ(test, subtree_size(t->rrq->root), nr - 9);
	rq_test_enqueue(t, before[3]->pid - 1);
	memcpy(before, small, sizeof(before));

	/* Larger: taken; the first 8 stay where they were. */
	KUNIT_EXPECT_PTR_EQ(test, give_slots(test, t->rrq, 64), small);
	KUNIT_ASSERT_RQ_OK(t, "array of 64");
	KUNIT_EXPECT_EQ(test, t->rrq->slots_cap, 64);
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, 64);
	KUNIT_EXPECT_EQ(test, subtree_size(t->rrq->root), nr - 64);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_PTR_EQ(test, t->rrq->slots[i], before[i]);

	/* Room for all: the treap empties. */
	give_slots(test, t->rrq, 128);
	KUNIT_ASSERT_RQ_OK(t, "array of 128");
	KUNIT_EXPECT_EQ(test, t->rrq->nr_slots, nr);
	KUNIT_EXPECT_NULL(test, t->rrq->root);
}

/*
 * Picks are uniform: the counts of 90000 picks among 9 tasks (4 in the
 * array, 5 in the treap) from a fixed seed, and among the 8 others after
 * a yield, pass a chi-square test at alpha = 1e-6.
 */
static void pick_chi_square(struct kunit *test)
{
	const unsigned int nr = 9, draws = 90000;
	unsigned int count[9] = {}, yc[8] = {}, i, j;
	u64 model, chi;
	struct rq_test *t = seeded_queue(test, nr, 4, 3, 0, &model);

	for (i = 0; i < draws; i++) {
		struct task_struct *p = random_rq_pick(t->rrq);

		count[p->pid - 1]++;
	}
	chi = chi_square_x100(count, nr);
	/* 8 degrees of freedom: 42.70 at alpha = 1e-6. */
	KUNIT_EXPECT_LE_MSG(test, chi, 4270, "chi-square x 100 of picks");
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_GT(test, count[i], 0);

	/* Task 1 yields before each pick. */
	for (i = 0; i < draws; i++) {
		struct task_struct *p;

		random_rq_yield(t->rrq, t->tasks[0]);
		p = random_rq_pick(t->rrq);
		KUNIT_ASSERT_PTR_NE(test, p, t->tasks[0]);
		yc[p->pid - 2]++;
		random_rq_start_slice(t->rrq, p, 0, 4 * NSEC_PER_MSEC);
	}
	chi = chi_square_x100(yc, nr - 1);
	/* 7 degrees of freedom: 40.52 at alpha = 1e-6. */
	KUNIT_EXPECT_LE_MSG(test, chi, 4052, "chi-square x 100 of picks after a yield");
	for (j = 0; j < nr - 1; j++)
		KUNIT_EXPECT_GT(test, yc[j], 0);
}

/*
 * Bins of a draw from 0..3 * 2^30: its third (which of [0, 2^30),
 * [2^30, 2^31), [2^31, 3 * 2^30)) and its value mod 3. A draw by remainder
 * (r % n) makes the first third twice as likely as each other one; a
 * multiply-shift without rejection makes multiples of 3 twice as likely.
 * An unbiased draw puts 1/9 in each bin.
 */
#define WIDE_N	(3U << 30)

static unsigned int bias_bin(u64 v)
{
	return (v >> 30) * 3 + v % 3;
}

/*
 * Uniform draws have no modulo bias: chaos slices drawn from an octave
 * 3 * 2^30 ns wide (where a biased method puts half the draws in one third
 * of the bins), from a fixed seed, pass a chi-square test at alpha = 1e-6,
 * equal the model's draw for draw, and a quarter of the products were
 * rejected on the way.
 */
static void uniform_no_modulo_bias(struct kunit *test)
{
	const unsigned int draws = 18000;
	unsigned int count[9] = {}, rejected = 0, i;
	struct rq_test *t = rq_test_new(test, 1);
	struct task_struct *p = t->tasks[0];
	u64 model, chi;

	rq_test_enqueue(t, 0);
	p->random.chaos = true;
	random_rq_seed(t->rrq, 4, 0);
	model = model_seed(4, 0);
	for (i = 0; i < draws; i++) {
		u64 v;

		/* One octave [3 * 2^30, 6 * 2^30): a single draw in it. */
		random_rq_start_slice(t->rrq, p, WIDE_N, 2ULL * WIDE_N);
		v = p->random.slice_len - WIDE_N;
		KUNIT_ASSERT_LT(test, v, WIDE_N);
		KUNIT_ASSERT_EQ_MSG(test, v, model_uniform(&model, WIDE_N, &rejected),
				    "draw %u differs from the model", i);
		count[bias_bin(v)]++;
	}
	chi = chi_square_x100(count, 9);
	/* 8 degrees of freedom: 42.70 at alpha = 1e-6. */
	KUNIT_EXPECT_LE_MSG(test, chi, 4270, "chi-square x 100 of the bins");
	/* 2^30 of the 2^32 products are rejected each time. */
	KUNIT_EXPECT_GT(test, rejected, draws / 8);
	KUNIT_EXPECT_LT(test, rejected, draws / 2);
}

/*
 * random_uniform(), the draws from the CPU's generator (pulls), stays in
 * range and is unbiased too: the same bins pass a chi-square test at
 * alpha = 1e-9 (this generator cannot be seeded).
 */
static void random_uniform_bounds(struct kunit *test)
{
	static const u32 ns[] = { 2, 3, 7, 64, 1000, 0x80000001U, U32_MAX };
	unsigned int count[9] = {}, i, j;
	u64 chi;

	KUNIT_EXPECT_EQ(test, random_uniform(0), 0);
	KUNIT_EXPECT_EQ(test, random_uniform(1), 0);
	for (i = 0; i < ARRAY_SIZE(ns); i++)
		for (j = 0; j < 1000; j++)
			KUNIT_ASSERT_LT(test, random_uniform(ns[i]), ns[i]);
	for (i = 0; i < 18000; i++)
		count[bias_bin(random_uniform(WIDE_N))]++;
	chi = chi_square_x100(count, 9);
	/* 8 degrees of freedom: 58.31 at alpha = 1e-9. */
	KUNIT_EXPECT_LE_MSG(test, chi, 5831, "chi-square x 100 of the bins");
}

/* The decision stream: random_chaos.rs's SplitMix64, known answers. */
static void decision_stream_matches_model(struct kunit *test)
{
	static const u32 first[] = { 0x35864ae3, 0xe18603aa, 0xad16e8d7, 0xaadd387d };
	u64 state = model_seed(0x5eed, 2), model;
	struct rq_test *t;
	unsigned int i;

	/* The model against values computed independently (Python). */
	KUNIT_EXPECT_EQ(test, state, 0x46100e794435f789ULL);
	for (i = 0; i < ARRAY_SIZE(first); i++)
		KUNIT_EXPECT_EQ(test, model_next(&state), first[i]);

	/* The queue's seeding and its draws against the model. */
	t = seeded_queue(test, 5, 0, 0x5eed, 2, &model);
	KUNIT_EXPECT_EQ(test, t->rrq->rng, model_seed(0x5eed, 2));
	KUNIT_EXPECT_EQ(test, t->rrq->seq, 0);
	t->tasks[0]->random.chaos = true;
	for (i = 0; i < 1000; i++) {
		struct task_struct *p = random_rq_pick(t->rrq);
		u64 len;

		KUNIT_ASSERT_PTR_EQ(test, p, t->order[model_uniform(&model, 5, NULL)]);
		random_rq_start_slice(t->rrq, p, 10 * NSEC_PER_USEC,
				      4 * NSEC_PER_MSEC);
		len = p->random.chaos ? model_slice_len(&model, 10 * NSEC_PER_USEC,
							4 * NSEC_PER_MSEC) :
					4 * NSEC_PER_MSEC;
		KUNIT_ASSERT_EQ(test, p->random.slice_len, len);
	}
	KUNIT_EXPECT_EQ(test, t->rrq->rng, model);
	KUNIT_EXPECT_EQ(test, t->rrq->seq, 1000);
}

#define STREAM_LEN	300

/* What a sequence of decisions chose, to compare one run with another. */
struct stream_run {
	struct task_struct *picked[STREAM_LEN];
	u64 slice_len[STREAM_LEN];
	bool resched[STREAM_LEN];
	u64 seq;
};

/*
 * Drives a queue of 12 tasks (8 in the array, 4 in the treap, 6 of them in
 * chaos mode) through picks, yields, slice starts, ticks and wakeup
 * decisions, the same sequence of events whatever the stream draws.
 */
static void stream_run(struct rq_test *t, u64 seed, u32 cpu, struct stream_run *run)
{
	struct task_struct *curr = t->tasks[0];
	unsigned int i;

	random_rq_seed(t->rrq, seed, cpu);
	KUNIT_ASSERT_EQ(t->test, t->rrq->seq, 0);
	/* A new slice (no draw: not in chaos mode) drops a yield and a choice. */
	random_rq_start_slice(t->rrq, curr, 10 * NSEC_PER_USEC, 4 * NSEC_PER_MSEC);
	for (i = 0; i < STREAM_LEN; i++) {
		switch (i % 4) {
		case 1:
			random_rq_yield(t->rrq, curr);
			fallthrough;
		case 0:
			curr = random_rq_pick(t->rrq);
			random_rq_start_slice(t->rrq, curr, 10 * NSEC_PER_USEC,
					      4 * NSEC_PER_MSEC);
			run->picked[i] = curr;
			run->slice_len[i] = curr->random.slice_len;
			break;
		case 2:
			run->resched[i] = random_rq_wakeup(t->rrq, curr, i % 8 == 6);
			run->picked[i] = t->rrq->next;
			break;
		case 3:
			curr->se.sum_exec_runtime += 2 * NSEC_PER_MSEC;
			run->resched[i] = random_rq_tick(t->rrq, curr,
							 10 * NSEC_PER_USEC,
							 4 * NSEC_PER_MSEC);
			run->slice_len[i] = curr->random.slice_len;
			break;
		}
	}
	run->seq = t->rrq->seq;
}

/*
 * The same seed on the same CPU repeats the decisions for the same events,
 * and restarts the decision count; another seed or another CPU does not.
 */
static void decision_stream_repeats(struct kunit *test)
{
	struct stream_run *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct stream_run *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct stream_run *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct stream_run *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct rq_test *t = rq_test_new(test, 12);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, d);
	give_slots(test, t->rrq, 8);
	for (i = 0; i < 12; i++) {
		t->tasks[i]->random.chaos = i % 2;
		rq_test_enqueue(t, i);
	}
	stream_run(t, 42, 1, a);
	stream_run(t, 42, 1, b);
	stream_run(t, 43, 1, c);
	stream_run(t, 42, 2, d);
	KUNIT_ASSERT_RQ_OK(t, "after the runs");

	KUNIT_EXPECT_MEMEQ(test, a, b, sizeof(*a));
	/*
	 * Wakeup draws (1 event in 4) and picks (2 in 4) are counted, but not
	 * a pick that a wakeup decision made.
	 */
	KUNIT_EXPECT_GE(test, a->seq, STREAM_LEN / 4);
	KUNIT_EXPECT_LE(test, a->seq, 3 * STREAM_LEN / 4);
	KUNIT_EXPECT_MEMNEQ(test, a->picked, c->picked, sizeof(a->picked));
	KUNIT_EXPECT_MEMNEQ(test, a->picked, d->picked, sizeof(a->picked));
}

/*
 * Chaos-mode slices stay within their bounds and reach every octave
 * between them; without chaos mode, or without room between the bounds,
 * the slice is the maximum and nothing is drawn.
 */
static void chaos_slice_bounds(struct kunit *test)
{
	static const struct { u64 lo, hi; } b[] = {
		{ SCHED_RANDOM_CHAOS_SLICE_MIN, 4 * NSEC_PER_MSEC },
		{ SCHED_RANDOM_CHAOS_SLICE_MIN, SCHED_RANDOM_SLICE_MAX },
		{ SCHED_RANDOM_SLICE_MIN, SCHED_RANDOM_SLICE_MAX },
		{ SCHED_RANDOM_SLICE_MIN, 3 * SCHED_RANDOM_SLICE_MIN },
		{ 1, 1000 * NSEC_PER_MSEC },
		{ 1000, 1001 },
	};
	struct rq_test *t = rq_test_new(test, 1);
	struct task_struct *p = t->tasks[0];
	unsigned int i, j, oct[64];
	u64 rng;

	rq_test_enqueue(t, 0);
	random_rq_seed(t->rrq, 5, 0);
	p->random.chaos = true;
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		unsigned int octaves = fls64((b[i].hi - 1) / b[i].lo);

		memset(oct, 0, sizeof(oct));
		for (j = 0; j < 400 * octaves; j++) {
			u64 len;

			random_rq_start_slice(t->rrq, p, b[i].lo, b[i].hi);
			len = p->random.slice_len;
			KUNIT_ASSERT_GE_MSG(test, len, b[i].lo, "bounds %u", i);
			KUNIT_ASSERT_LE_MSG(test, len, b[i].hi, "bounds %u", i);
			oct[fls64(len / b[i].lo) - 1]++;
		}
		/* Log-uniform by octaves: each has its share, give or take. */
		for (j = 0; j < octaves; j++)
			KUNIT_EXPECT_GE_MSG(test, oct[j], 400 / 2,
					    "bounds %u, octave %u", i, j);
	}

	/* No room between the bounds, or no minimum: the maximum, no draw. */
	rng = t->rrq->rng;
	random_rq_start_slice(t->rrq, p, 4 * NSEC_PER_MSEC, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, p->random.slice_len, 4 * NSEC_PER_MSEC);
	random_rq_start_slice(t->rrq, p, 5 * NSEC_PER_MSEC, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, p->random.slice_len, 4 * NSEC_PER_MSEC);
	random_rq_start_slice(t->rrq, p, 0, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, p->random.slice_len, 4 * NSEC_PER_MSEC);
	/* Not in chaos mode: the maximum, no draw. */
	p->random.chaos = false;
	random_rq_start_slice(t->rrq, p, SCHED_RANDOM_CHAOS_SLICE_MIN,
			      4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, p->random.slice_len, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, t->rrq->rng, rng);
}

/*
 * A tick ends the slice once the task has run its length (the drawn one in
 * chaos mode), and starts the next one from the task's runtime.
 */
static void tick_ends_slice(struct kunit *test)
{
	struct rq_test *t = rq_test_new(test, 1);
	struct task_struct *p = t->tasks[0];
	const u64 lo = SCHED_RANDOM_CHAOS_SLICE_MIN, hi = 4 * NSEC_PER_MSEC;
	unsigned int i;

	rq_test_enqueue(t, 0);
	random_rq_seed(t->rrq, 6, 0);
	p->se.sum_exec_runtime = 1000;
	random_rq_start_slice(t->rrq, p, lo, hi);
	KUNIT_EXPECT_EQ(test, p->random.slice_start, 1000);
	p->se.sum_exec_runtime += hi - 1;
	KUNIT_EXPECT_FALSE(test, random_rq_tick(t->rrq, p, lo, hi));
	p->se.sum_exec_runtime++;
	KUNIT_EXPECT_TRUE(test, random_rq_tick(t->rrq, p, lo, hi));
	KUNIT_EXPECT_EQ(test, p->random.slice_start, p->se.sum_exec_runtime);

	p->random.chaos = true;
	for (i = 0; i < 200; i++) {
		u64 len;

		random_rq_start_slice(t->rrq, p, lo, hi);
		len = p->random.slice_len;
		KUNIT_ASSERT_GE(test, len, lo);
		KUNIT_ASSERT_LE(test, len, hi);
		p->se.sum_exec_runtime += len - 1;
		KUNIT_ASSERT_FALSE(test, random_rq_tick(t->rrq, p, lo, hi));
		p->se.sum_exec_runtime++;
		KUNIT_ASSERT_TRUE(test, random_rq_tick(t->rrq, p, lo, hi));
		KUNIT_ASSERT_EQ(test, p->random.slice_start, p->se.sum_exec_runtime);
	}
}

/*
 * A chaos-mode wakeup decision draws among all queued tasks, the running
 * one included (the others only if it has just yielded): the next pick
 * returns the task it chose, and a chosen task that leaves the queue is
 * forgotten.
 */
static void wakeup_decision(struct kunit *test)
{
	const unsigned int nr = 6;
	u64 model;
	struct rq_test *t = seeded_queue(test, nr, 4, 7, 0, &model);
	struct task_struct *curr = t->order[0];
	unsigned int i, others = 0;

	for (i = 0; i < 600; i++) {
		struct task_struct *chosen = t->order[model_uniform(&model, nr, NULL)];
		bool resched = random_rq_wakeup(t->rrq, curr, false);

		KUNIT_ASSERT_EQ(test, resched, chosen != curr);
		if (resched) {
			others++;
			KUNIT_ASSERT_PTR_EQ(test, t->rrq->next, chosen);
			KUNIT_ASSERT_PTR_EQ(test, random_rq_pick(t->rrq), chosen);
			/* The pick made no draw of its own. */
			random_rq_start_slice(t->rrq, chosen, 0, 4 * NSEC_PER_MSEC);
		} else {
			KUNIT_ASSERT_NULL(test, t->rrq->next);
		}
	}
	/* The running task is 1 of 6: chosen about 100 times. */
	KUNIT_EXPECT_GT(test, others, 400);
	KUNIT_EXPECT_LT(test, others, 600);

	/* A pending pick keeps the running task if the draw chose it. */
	for (i = 0; i < 100; i++) {
		struct task_struct *chosen = t->order[model_uniform(&model, nr, NULL)];

		random_rq_wakeup(t->rrq, curr, true);
		KUNIT_ASSERT_PTR_EQ(test, t->rrq->next, chosen);
		random_rq_start_slice(t->rrq, chosen, 0, 4 * NSEC_PER_MSEC);
	}

	/* After a yield of the running task, a wakeup draws among the others. */
	for (i = 0; i < 100; i++) {
		/* curr is at position 0: the others are 1 to nr - 1. */
		struct task_struct *chosen = t->order[1 + model_uniform(&model, nr - 1, NULL)];

		random_rq_yield(t->rrq, curr);
		KUNIT_ASSERT_TRUE(test, random_rq_wakeup(t->rrq, curr, false));
		KUNIT_ASSERT_PTR_EQ(test, t->rrq->next, chosen);
		KUNIT_ASSERT_PTR_EQ(test, random_rq_pick(t->rrq), chosen);
		random_rq_start_slice(t->rrq, chosen, 0, 4 * NSEC_PER_MSEC);
	}

	/* The chosen task leaves the queue: the next pick draws again. */
	do {
		random_rq_wakeup(t->rrq, curr, false);
	} while (!t->rrq->next);
	rq_test_dequeue(t, t->rrq->next->pid - 1);
	KUNIT_EXPECT_NULL(test, t->rrq->next);
	KUNIT_ASSERT_RQ_OK(t, "after the chosen task left");
}

static struct kunit_case random_rq_test_cases[] = {
	KUNIT_CASE(empty_queue),
	KUNIT_CASE(enqueue_dequeue_any_order),
	KUNIT_CASE(kth_task_for_every_k),
	KUNIT_CASE(yield_skips_the_yielder),
	KUNIT_CASE(array_growth),
	KUNIT_CASE(pick_chi_square),
	KUNIT_CASE(uniform_no_modulo_bias),
	KUNIT_CASE(random_uniform_bounds),
	KUNIT_CASE(decision_stream_matches_model),
	KUNIT_CASE(decision_stream_repeats),
	KUNIT_CASE(chaos_slice_bounds),
	KUNIT_CASE(tick_ends_slice),
	KUNIT_CASE(wakeup_decision),
	{}
};

static struct kunit_suite random_rq_test_suite = {
	.name = "sched_random_rq",
	.test_cases = random_rq_test_cases,
};

kunit_test_suite(random_rq_test_suite);
