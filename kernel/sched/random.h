/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCHED_RANDOM: the interface between the C scheduling class
 * (kernel/sched/random.c, random_balance.c) and the Rust run queue that owns
 * the queue and the pick policy (kernel/sched/random_rq.rs).
 *
 * Private to kernel/sched/: only kernel/sched/sched.h and the Rust bindings
 * (rust/bindings/bindings_helper.h) include it. The types are C so that
 * struct rq can embed them; bindgen makes them and the prototypes visible
 * to Rust. Only Rust changes the queue (an array of task pointers, with an
 * intrusive treap for the tasks that do not fit); C allocates the array
 * outside the lock, reads nr_queued locklessly (READ_ONCE()) for placement
 * decisions and keeps the fields and statistics it names below.
 */
#ifndef _KERNEL_SCHED_RANDOM_H
#define _KERNEL_SCHED_RANDOM_H

#include <linux/cpumask.h>
#include <linux/irq_work.h>
#include <linux/sched/random.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct task_struct;

/**
 * struct random_rq - the SCHED_RANDOM run queue of one CPU
 * @slots:	the runnable SCHED_RANDOM tasks, including the running one, in
 *		no particular order (Rust; allocated and freed by C)
 * @nr_slots:	tasks in @slots (Rust)
 * @slots_cap:	capacity of @slots (Rust)
 * @root:	root of the overflow treap: the queued tasks that did not fit
 *		in @slots (Rust)
 * @nr_queued:	number of queued tasks, in @slots and the treap (Rust)
 * @nr_migratory: queued tasks allowed on more than one CPU (C)
 * @skip:	task that yielded: the next pick avoids it if it can (Rust)
 * @next:	task a wakeup decision chose: the next pick returns it (Rust)
 * @curr:	the queued task this CPU runs, NULL while it runs another
 *		class (C)
 * @woken:	the task last queued by a wakeup or a fork, until core
 *		calls wakeup_preempt() for it (C)
 * @overloaded:	a queued task waits and could run on another CPU; mirrored
 *		in the root domain's random_overload_mask while online (C)
 * @nr_picks:	picks that returned a task (statistics, Rust)
 * @pick_ns:	time spent picking, while schedstats are on (statistics, C)
 * @nr_pulled:	tasks this CPU pulled from another CPU (statistics, C)
 * @nr_pushed:	tasks this CPU pushed to another CPU (statistics, C)
 * @nr_pull_misses: pulls of this CPU that locked another CPU's run queue
 *		and found no task to take (statistics, C)
 * @pull_gen:	counts the changes that may give a waiting task a CPU it
 *		could move to: a task queued, the running task put back (C)
 * @pull_miss_gen: the @pull_gen that @pull_miss_mask is valid for (C)
 * @pull_miss_mask: CPUs whose pull found no task here at @pull_miss_gen,
 *		so that they do not lock this rq again until it changes (C)
 * @push_mask:	scratch mask of a push: the CPUs that run a lower class (C)
 * @nr_ticks:	task_tick_random() calls, while schedstats are on (C)
 * @tick_ns:	time spent in them (statistics, C)
 * @nr_places:	select_task_rq_random() calls on this CPU, while
 *		schedstats are on (C; written with interrupts off by this CPU
 *		only, without the rq lock)
 * @place_ns:	time spent in them (statistics, C)
 * @rng:	state of the generator behind this CPU's decisions (Rust)
 * @seq:	decisions drawn from @rng since it was seeded (Rust)
 * @grow_irq_work: queued under the lock when @slots runs short (C)
 * @grow_work:	grows @slots from process context (C)
 *
 * Protected by the lock of the struct rq that embeds it.
 */
struct random_rq {
	struct task_struct		**slots;
	unsigned int			nr_slots;
	unsigned int			slots_cap;
	struct sched_random_entity	*root;
	unsigned int			nr_queued;
	unsigned int			nr_migratory;
	struct task_struct		*skip;
	struct task_struct		*next;
	struct task_struct		*curr;
	struct task_struct		*woken;
	bool				overloaded;
	u64				nr_picks;
	u64				pick_ns;
	u64				nr_pulled;
	u64				nr_pushed;
	u64				nr_pull_misses;
	unsigned int			pull_gen;
	unsigned int			pull_miss_gen;
	cpumask_var_t			pull_miss_mask;
	cpumask_var_t			push_mask;
	u64				nr_ticks;
	u64				tick_ns;
	u64				nr_places;
	u64				place_ns;
	u64				rng;
	u64				seq;
	struct irq_work			grow_irq_work;
	struct work_struct		grow_work;
};

/* Bounds of a SCHED_RANDOM task's own time slice (sched_attr.sched_runtime). */
#define SCHED_RANDOM_SLICE_MIN	(100 * NSEC_PER_USEC)
#define SCHED_RANDOM_SLICE_MAX	(100 * NSEC_PER_MSEC)

/*
 * The lowest value of kernel.sched_random_timeslice_ms (its extra1,
 * SYSCTL_ONE), in ns: the longest own slice a task on the default may
 * choose without privilege, since no later default is shorter.
 */
#define SCHED_RANDOM_TIMESLICE_FLOOR	(1 * NSEC_PER_MSEC)

/*
 * The shortest chaos-mode slice (sched_attr.sched_period), and the one a
 * minimum of 0 means: hrtick_start() arms no timer shorter than 10 us. A
 * racy window is a few microseconds of a thread's CPU time, and a thread
 * of a small test may run for less than 100 us in all: only slices that
 * short can end inside it.
 */
#define SCHED_RANDOM_CHAOS_SLICE_MIN	(10 * NSEC_PER_USEC)

/*
 * What a decision (see the sched_random:sched_random_decision tracepoint)
 * was drawn for: a pick at the end of a slice or when the running task
 * blocks, a pick that avoids a task that yielded, or a chaos-mode wakeup.
 */
enum random_decision {
	RANDOM_DECISION_PICK,
	RANDOM_DECISION_YIELD,
	RANDOM_DECISION_WAKEUP,
};

/*
 * Implemented in Rust (kernel/sched/random_rq.rs). Except for
 * random_entity_init() and random_uniform(), the caller holds the lock of
 * the rq that embeds @rrq.
 */
void random_rq_init(struct random_rq *rrq);
void random_entity_init(struct sched_random_entity *rse);
bool random_rq_enqueue(struct random_rq *rrq, struct task_struct *p);
bool random_rq_dequeue(struct random_rq *rrq, struct task_struct *p);
struct task_struct *random_rq_pick(struct random_rq *rrq);
void random_rq_yield(struct random_rq *rrq, struct task_struct *curr);
void random_rq_start_slice(struct random_rq *rrq, struct task_struct *p,
			   u64 min_ns, u64 max_ns);
bool random_rq_tick(struct random_rq *rrq, struct task_struct *p, u64 min_ns,
		    u64 max_ns);
bool random_rq_wakeup(struct random_rq *rrq, struct task_struct *curr,
		      bool pending);
void random_rq_seed(struct random_rq *rrq, u64 seed, u32 cpu);
struct task_struct *random_rq_pick_pullable(struct random_rq *rrq, int dst_cpu);
struct task_struct *random_rq_pick_pushable(struct random_rq *rrq,
					    const struct cpumask *lower);
struct task_struct **random_rq_adopt_slots(struct random_rq *rrq,
					   struct task_struct **slots,
					   unsigned int cap);
u32 random_uniform(u32 n);

/* Implemented in C (kernel/sched/random.c, random_balance.c) for Rust. */
u32 sched_random_u32(void);
bool sched_random_can_migrate(struct task_struct *p, int dst_cpu);
bool sched_random_can_push(struct task_struct *p, const struct cpumask *lower);
void sched_random_trace_decision(struct random_rq *rrq, enum random_decision why,
				 u32 nr, u32 index, struct task_struct *p);

#endif /* _KERNEL_SCHED_RANDOM_H */
