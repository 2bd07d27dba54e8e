// SPDX-License-Identifier: GPL-2.0
/*
 * SCHED_RANDOM: balancing between CPUs.
 *
 * The contract is the one rt.c keeps for RT tasks: no SCHED_RANDOM task
 * waits while a CPU it may run on is idle or runs a lower class (fair,
 * idle). A queued task "waits" when it is not the one its CPU runs, either
 * because another SCHED_RANDOM task has the slice or because a higher class
 * (stop, deadline, RT) has the CPU.
 *
 *  - A CPU is "overloaded" while one of its queued tasks waits and may run
 *    on another CPU (random_rq::overloaded); the root domain mirrors it in
 *    random_overload_mask/random_overload_count, as rto_mask does for RT.
 *    Only that count is read on the hot path (__pick_next_task()).
 *  - Push: when a task starts to wait (preempted by a higher class, woken
 *    behind a running task, switched into the class) or a slice starts on
 *    an overloaded CPU, a balance callback moves waiting tasks to CPUs
 *    that run a lower class, and reschedules them. A waiting task made
 *    movable by a change of affinity is pushed from an irq_work.
 *  - Pull: a CPU about to run a lower class takes a waiting task from an
 *    overloaded CPU of its root domain (balance_random()); at the end of a
 *    slice a CPU also evens out with a CPU that has two more tasks.
 *  - Placement: wakeups, forks and execs go to the previous CPU if it runs
 *    a lower class or no other CPU is better, else to the allowed CPU with
 *    the fewest SCHED_RANDOM tasks and no RT/deadline task, ties broken
 *    uniformly at random, among at most RANDOM_WAKE_SCAN CPUs, the
 *    previous CPU's LLC first.
 *
 * Built from build_policy.c, before random.c, which calls into it.
 */

/*
 * May @p run on another CPU, as far as its affinity goes? A task preempted
 * inside migrate_disable() keeps the weight of its own mask in
 * nr_cpus_allowed, but cpus_ptr points at its CPU alone until it runs
 * again (migrate_disable_switch()), and counting it made its CPU look
 * overloaded to every other CPU of the root domain.
 */
static inline bool random_task_migratory(struct task_struct *p)
{
	return p->nr_cpus_allowed > 1 && p->cpus_ptr == &p->cpus_mask;
}

/* Marks a queued task as counted in nr_migratory, or not. */
static void random_account_migratory(struct rq *rq, struct task_struct *p, bool queued)
{
	bool migratory = queued && random_task_migratory(p);

	if (migratory == p->random.migratory)
		return;
	p->random.migratory = migratory;
	if (migratory)
		rq->random.nr_migratory++;
	else
		rq->random.nr_migratory--;
}

#ifdef CONFIG_SMP

/* Does a queued task of @rq wait while it could run on another CPU? */
static bool random_has_waiting_migratory(struct rq *rq)
{
	struct task_struct *curr = rq->random.curr;
	unsigned int n = rq->random.nr_migratory;

	if (curr && curr->random.migratory)
		n--;
	return n > 0;
}

static void random_set_overload(struct rq *rq)
{
	if (!rq->online)
		return;
	cpumask_set_cpu(cpu_of(rq), rq->rd->random_overload_mask);
	/* The mask must be visible before the count (see rt_set_overload()). */
	smp_wmb();
	atomic_inc(&rq->rd->random_overload_count);
}

static void random_clear_overload(struct rq *rq)
{
	if (!rq->online)
		return;
	atomic_dec(&rq->rd->random_overload_count);
	cpumask_clear_cpu(cpu_of(rq), rq->rd->random_overload_mask);
}

/* Recomputes random_rq::overloaded after a change of @rq's queue or curr. */
static void random_update_overload(struct rq *rq)
{
	bool overloaded = random_has_waiting_migratory(rq);

	if (overloaded == rq->random.overloaded)
		return;
	rq->random.overloaded = overloaded;
	if (overloaded)
		random_set_overload(rq);
	else
		random_clear_overload(rq);
}

static void rq_online_random(struct rq *rq)
{
	if (rq->random.overloaded)
		random_set_overload(rq);
}

static void rq_offline_random(struct rq *rq)
{
	if (rq->random.overloaded)
		random_clear_overload(rq);
}

/*
 * May @p, queued but not running, move to @dst_cpu (to any other CPU when
 * @dst_cpu is negative)? Called by Rust with @p's rq lock held.
 */
bool sched_random_can_migrate(struct task_struct *p, int dst_cpu)
{
	struct rq *rq = task_rq(p);

	if (task_on_cpu(rq, p) || p == rq->random.curr || is_migration_disabled(p))
		return false;
	if (dst_cpu < 0)
		return p->nr_cpus_allowed > 1;
	return cpumask_test_cpu(dst_cpu, p->cpus_ptr);
}

/*
 * May @p, queued but not running, move to one of the CPUs in @lower?
 * Called by Rust with @p's rq lock held.
 */
bool sched_random_can_push(struct task_struct *p, const struct cpumask *lower)
{
	return sched_random_can_migrate(p, -1) && cpumask_intersects(p->cpus_ptr, lower);
}

/*
 * Are deadline tasks runnable on @rq? sched_dl_runnable() also counts the
 * fair server: a deadline entity that is queued while fair tasks are, runs
 * nothing but them, and stays queued until the CPU's next pick finds no
 * fair task (pick_task_dl()), after balance_random() has run. For
 * SCHED_RANDOM a CPU that runs fair tasks, through the server or not, runs
 * a lower class, as rt.c's cpupri sees it; counting the server made a CPU
 * whose last fair task was leaving skip its pull and go idle while a task
 * waited for it (contract.help_from_one_wakeup).
 */
static bool random_dl_tasks_runnable(struct rq *rq)
{
	unsigned int nr = READ_ONCE(rq->dl.dl_nr_running);

	if (nr && !RB_EMPTY_NODE(&rq->fair_server.rb_node))
		nr--;
	return nr;
}

/* Is a task of a higher class (stop, deadline, RT) runnable on @rq? */
static bool random_higher_runnable(struct rq *rq)
{
	return sched_stop_runnable(rq) || random_dl_tasks_runnable(rq) ||
	       sched_rt_runnable(rq);
}

/*
 * Would a SCHED_RANDOM task run at once on @rq? True when @rq runs no task
 * of SCHED_RANDOM or a higher class. Lockless hint; rechecked under the
 * lock before a task moves.
 */
static bool random_rq_is_lower(struct rq *rq)
{
	return !READ_ONCE(rq->random.nr_queued) && !random_higher_runnable(rq);
}

/*
 * How many CPUs random_find_lower_cpu() examines, at most, for one push,
 * and random_should_pull() and pull_random_task() for one pull. The bound
 * keeps a push or pull O(1) on machines with hundreds of CPUs: a task a
 * push misses is pulled by the next CPU that turns to a lower class, and a
 * CPU a pull misses is looked at by the next pull, from another CPU on.
 */
#define RANDOM_PUSH_SCAN	64

/*
 * An active CPU of @rq's root domain that @p may run on and that runs a
 * lower class, preferring an idle one; the scan starts at a random CPU so
 * that pushes spread. Returns -1 if there is none.
 *
 * for_each_cpu_wrap() evaluates its start at every step, so the random
 * start is drawn once, before the loop. A draw passed as the argument made
 * each step wrap at a different CPU, which could end the scan early: a
 * task allowed on CPUs 1 and 3 of four, waiting on CPU 1, missed an idle
 * CPU 3 in 1 push of 4 (contract.help_from_one_wakeup).
 */
static int random_find_lower_cpu(struct rq *rq, struct task_struct *p)
{
	int cpu, fallback = -1, scanned = 0, start = random_uniform(nr_cpu_ids);

	for_each_cpu_wrap(cpu, p->cpus_ptr, start) {
		if (++scanned > RANDOM_PUSH_SCAN)
			break;
		if (cpu == cpu_of(rq) || !cpu_active(cpu) ||
		    !cpumask_test_cpu(cpu, rq->rd->span))
			continue;
		if (!random_rq_is_lower(cpu_rq(cpu)))
			continue;
		if (available_idle_cpu(cpu))
			return cpu;
		if (fallback < 0)
			fallback = cpu;
	}
	return fallback;
}

/*
 * A push's second try, when the waiting task it drew first cannot be
 * placed: another waiting task may be (a push that gave up after one draw
 * left a task allowed on an idle CPU waiting while the running class kept
 * its CPU: balance.push_places_any_waiting). Collects the CPUs of @rq's
 * root domain that run a lower class, among RANDOM_PUSH_SCAN examined from
 * a random one on, then draws a waiting task allowed on one of them, and
 * the CPU for it, an idle one first. Returns the task, or NULL.
 */
static struct task_struct *random_find_pushable(struct rq *rq, int *dst_cpu)
{
	int cpu, scanned = 0, start = random_uniform(nr_cpu_ids);
	struct cpumask *lower = rq->random.push_mask;
	struct task_struct *p;

	if (!cpumask_available(lower))
		return NULL;
	cpumask_clear(lower);
	for_each_cpu_wrap(cpu, rq->rd->span, start) {
		if (++scanned > RANDOM_PUSH_SCAN)
			break;
		if (cpu != cpu_of(rq) && cpu_active(cpu) &&
		    random_rq_is_lower(cpu_rq(cpu)))
			__cpumask_set_cpu(cpu, lower);
	}
	if (cpumask_empty(lower))
		return NULL;
	p = random_rq_pick_pushable(&rq->random, lower);
	if (!p)
		return NULL;
	for_each_cpu_and(cpu, lower, p->cpus_ptr) {
		if (available_idle_cpu(cpu)) {
			*dst_cpu = cpu;
			return p;
		}
	}
	*dst_cpu = cpumask_any_and_distribute(lower, p->cpus_ptr);
	return p;
}

/* Moves queued @p from @src to @dst; both locked. */
static void random_move_task(struct rq *src, struct rq *dst, struct task_struct *p)
{
	deactivate_task(src, p, 0);
	set_task_cpu(p, cpu_of(dst));
	activate_task(dst, p, 0);
}

/*
 * Moves one waiting task of @rq to a CPU that runs a lower class and
 * reschedules that CPU. Returns true if a task moved. Called with rq->lock
 * held, unpinned; double_lock_balance() may drop and retake it.
 */
static bool push_random_task(struct rq *rq)
{
	struct task_struct *p;
	bool moved = false;
	struct rq *dst;
	int cpu;

	if (!rq->random.overloaded)
		return false;
	p = random_rq_pick_pullable(&rq->random, -1);
	if (!p)
		return false;
	cpu = random_find_lower_cpu(rq, p);
	if (cpu < 0)
		p = random_find_pushable(rq, &cpu);
	if (!p || cpu >= nr_cpu_ids)
		return false;

	dst = cpu_rq(cpu);
	get_task_struct(p);
	/* rq->lock may be dropped: everything about @p is checked again. */
	double_lock_balance(rq, dst);
	if (task_rq(p) == rq && task_on_rq_queued(p) &&
	    p->sched_class == &random_sched_class &&
	    sched_random_can_migrate(p, cpu) && cpu_active(cpu) &&
	    random_rq_is_lower(dst)) {
		random_move_task(rq, dst, p);
		resched_curr(dst);
		rq->random.nr_pushed++;
		moved = true;
	}
	double_unlock_balance(rq, dst);
	put_task_struct(p);
	return moved;
}

/* At most this many tasks leave a CPU in one push callback. */
#define RANDOM_PUSH_MAX		8

static void push_random_tasks(struct rq *rq)
{
	int n = 0;

	while (n++ < RANDOM_PUSH_MAX && push_random_task(rq))
		;
}

static DEFINE_PER_CPU(struct balance_callback, random_push_head);

/*
 * Pushes from the overloaded CPU itself, in hard interrupt context (also
 * on PREEMPT_RT), as rto_push_irq_work_func() does for RT. The work looks
 * at the state when it runs, so queueing it again while it is pending
 * loses nothing.
 */
static void random_push_irq_work_fn(struct irq_work *work)
{
	struct rq *rq = this_rq();

	raw_spin_rq_lock(rq);
	if (rq->random.overloaded) {
		update_rq_clock(rq);
		push_random_tasks(rq);
	}
	raw_spin_rq_unlock(rq);
}

static DEFINE_PER_CPU(struct irq_work, random_push_work) =
	IRQ_WORK_INIT_HARD(random_push_irq_work_fn);

/*
 * Has @rq's CPU push its waiting tasks, from contexts that cannot queue a
 * balance callback: an arrival outside of __schedule() and wakeups (see
 * random_kick_arrival()).
 */
static void random_kick_push(struct rq *rq)
{
	if (rq->random.overloaded && rq->online)
		irq_work_queue_on(&per_cpu(random_push_work, cpu_of(rq)), cpu_of(rq));
}

/*
 * @p was just queued on @rq, and not by a wakeup (task_woken_random()
 * pushes those): back from a change of affinity or parameters
 * (sched_change, ENQUEUE_RESTORE), or moved here by core with
 * move_queued_task() (ENQUEUE_MIGRATED): an affinity change that excludes
 * its CPU, the migration stopper, hotplug's balance_push. Core picks that
 * CPU without regard to classes, so @p may wait behind a higher class or
 * another SCHED_RANDOM task while a CPU it may use is idle, and no
 * schedule() on either CPU will come to move it: push it now. Our own push
 * and pull (random_move_task()) arrive as ENQUEUE_MIGRATED too, on a CPU
 * that runs them at once: no push for those.
 */
static void random_kick_arrival(struct rq *rq, struct task_struct *p, int flags)
{
	if ((flags & ENQUEUE_WAKEUP) || task_current(rq, p))
		return;
	if ((flags & ENQUEUE_RESTORE) ||
	    ((flags & ENQUEUE_MIGRATED) &&
	     (random_higher_runnable(rq) ||
	      (rq->random.curr && rq->random.curr != p))))
		random_kick_push(rq);
}

/* Pushes waiting tasks of @rq once the scheduler releases its lock. */
static void random_queue_push(struct rq *rq)
{
	if (rq->random.overloaded)
		queue_balance_callback(rq, &per_cpu(random_push_head, cpu_of(rq)),
				       push_random_tasks);
}

/*
 * Can @this_rq take a task from @src_rq to even out their loads? Only if
 * that leaves @src_rq with at least as many queued tasks as @this_rq, so
 * that two CPUs never trade a task back and forth.
 */
static inline bool random_imbalanced(struct rq *this_rq, struct rq *src_rq)
{
	return READ_ONCE(src_rq->random.nr_queued) >=
	       READ_ONCE(this_rq->random.nr_queued) + 2;
}

/*
 * The tasks waiting on @rq may have changed: a task was queued, or the
 * running task was put back while it stays queued. Forgets the pulls that
 * found nothing (see random_pull_missed()).
 */
static inline void random_pull_gen_bump(struct rq *rq)
{
	WRITE_ONCE(rq->random.pull_gen, rq->random.pull_gen + 1);
}

/*
 * Did a pull of @this_rq find nothing on @src_rq, whose waiting tasks have
 * not changed since? An overload that no pull can clear (the waiting tasks
 * may run only on CPUs that run SCHED_RANDOM or a higher class) made every
 * schedule() of every CPU in the root domain lock @src_rq for nothing
 * (balance.pull_misses_bounded). Lockless hint: a miss is remembered until
 * @src_rq's next change, a slice or an arrival, whose push places what can
 * be placed.
 */
static inline bool random_pull_missed(struct rq *this_rq, struct rq *src_rq)
{
	struct random_rq *src = &src_rq->random;

	if (!cpumask_available(src->pull_miss_mask) ||
	    READ_ONCE(src->pull_miss_gen) != READ_ONCE(src->pull_gen))
		return false;
	/* Pairs with the smp_wmb() in random_note_pull_miss(). */
	smp_rmb();
	return cpumask_test_cpu(cpu_of(this_rq), src->pull_miss_mask);
}

/* A pull of @this_rq found nothing on @src_rq; both locked. */
static void random_note_pull_miss(struct rq *this_rq, struct rq *src_rq)
{
	struct random_rq *src = &src_rq->random;

	this_rq->random.nr_pull_misses++;
	if (!cpumask_available(src->pull_miss_mask))
		return;
	if (src->pull_miss_gen != src->pull_gen) {
		/* Readers ignore the mask until pull_miss_gen is current. */
		cpumask_clear(src->pull_miss_mask);
		cpumask_set_cpu(cpu_of(this_rq), src->pull_miss_mask);
		/* The mask before its generation: see random_pull_missed(). */
		smp_wmb();
		WRITE_ONCE(src->pull_miss_gen, src->pull_gen);
	} else {
		cpumask_set_cpu(cpu_of(this_rq), src->pull_miss_mask);
	}
}

/*
 * Would @src_rq give @this_rq a task? Always when @this_rq has no
 * SCHED_RANDOM task (it is about to run a lower class); otherwise only to
 * even out (see random_imbalanced()). Not if a pull of @this_rq found
 * nothing there since its waiting tasks last changed.
 */
static inline bool random_can_pull_from(struct rq *this_rq, struct rq *src_rq)
{
	if (!READ_ONCE(src_rq->random.overloaded) ||
	    random_pull_missed(this_rq, src_rq))
		return false;
	return !READ_ONCE(this_rq->random.nr_queued) ||
	       random_imbalanced(this_rq, src_rq);
}

/*
 * Is there a CPU in @rq's root domain that @rq could take a task from?
 * Looks at RANDOM_PUSH_SCAN overloaded CPUs at most, from the next one on:
 * it runs at the end of every slice.
 */
static bool random_should_pull(struct rq *rq)
{
	int cpu, scanned = 0;

	if (!sched_random_overloaded(rq) || !cpu_active(cpu_of(rq)))
		return false;
	for_each_cpu_wrap(cpu, rq->rd->random_overload_mask, cpu_of(rq)) {
		if (++scanned > RANDOM_PUSH_SCAN)
			break;
		if (cpu != cpu_of(rq) && random_can_pull_from(rq, cpu_rq(cpu)))
			return true;
	}
	return false;
}

/*
 * Pulls one waiting SCHED_RANDOM task to @this_rq from an overloaded CPU
 * of its root domain (see random_can_pull_from()), among at most
 * RANDOM_PUSH_SCAN overloaded CPUs from a random one on. Called with
 * this_rq->lock held, unpinned; double_lock_balance() may drop it.
 */
static void pull_random_task(struct rq *this_rq)
{
	int this_cpu = cpu_of(this_rq), cpu, scanned = 0;
	int start = random_uniform(nr_cpu_ids);	/* once: see above */
	struct task_struct *p;
	struct rq *src_rq;

	for_each_cpu_wrap(cpu, this_rq->rd->random_overload_mask, start) {
		if (++scanned > RANDOM_PUSH_SCAN)
			break;
		if (cpu == this_cpu)
			continue;
		src_rq = cpu_rq(cpu);
		if (!random_can_pull_from(this_rq, src_rq))
			continue;

		double_lock_balance(this_rq, src_rq);
		p = NULL;
		/* Both may have changed while this_rq->lock was dropped. */
		if (cpu_active(this_cpu) && random_can_pull_from(this_rq, src_rq)) {
			p = random_rq_pick_pullable(&src_rq->random, this_cpu);
			if (!p)
				random_note_pull_miss(this_rq, src_rq);
		}
		if (p) {
			random_move_task(src_rq, this_rq, p);
			this_rq->random.nr_pulled++;
		}
		double_unlock_balance(this_rq, src_rq);
		if (p)
			return;
	}
}

/*
 * Before a CPU picks: if it is about to run a lower class (or a slice
 * ended and another CPU has two more tasks), take a waiting task from an
 * overloaded CPU. prev_balance() calls this for SCHED_RANDOM and lower
 * prev tasks while the root domain is overloaded.
 */
static int balance_random(struct rq *rq, struct task_struct *prev,
			  struct rq_flags *rf)
{
	bool higher = random_higher_runnable(rq);

	if (!higher && random_should_pull(rq)) {
		/*
		 * As in balance_rt(): prev is on_cpu, so it cannot be pulled
		 * away, and the picking loop has not started yet.
		 */
		rq_unpin_lock(rq, rf);
		pull_random_task(rq);
		rq_repin_lock(rq, rf);
	}

	return higher || rq->random.nr_queued;
}

/*
 * A woken task that will not run at once (its CPU runs another
 * SCHED_RANDOM task or a higher class) goes where it would, as
 * task_woken_rt() does.
 */
static void task_woken_random(struct rq *rq, struct task_struct *p)
{
	if (!task_on_cpu(rq, p) && !test_tsk_need_resched(rq->curr) &&
	    p->nr_cpus_allowed > 1 && rq->random.overloaded &&
	    !sched_class_above(&random_sched_class, rq->donor->sched_class))
		push_random_tasks(rq);
}

/* Penalty of a CPU with a runnable RT or deadline task, in queued tasks. */
#define RANDOM_HIGHER_CLASS_COST	BIT(16)

/* How many SCHED_RANDOM tasks would @p wait behind on @cpu (a cost). */
static unsigned int random_cpu_cost(struct task_struct *p, int cpu, int task_cpu)
{
	struct rq *rq = cpu_rq(cpu);
	unsigned int nr = READ_ONCE(rq->random.nr_queued);

	/* An exec'ing task is still queued where it runs. */
	if (cpu == task_cpu && task_on_rq_queued(p) && nr)
		nr--;
	if (sched_rt_runnable(rq) || random_dl_tasks_runnable(rq))
		nr += RANDOM_HIGHER_CLASS_COST;
	return nr;
}

/*
 * How many CPUs select_task_rq_random() examines, at most, besides the
 * previous one, so that a wakeup costs the same on 4 CPUs as on 400. The
 * previous CPU's LLC is examined first, then the other allowed CPUs if no
 * CPU of the LLC would run the task at once; each scan starts at a random
 * CPU. Choosing the least loaded of a few CPUs sampled at random already
 * balances well ("the power of d choices"), and placement is only a first
 * guess: a task that waits while another CPU could run it is pushed there,
 * and a CPU about to run a lower class pulls (see the top of this file).
 */
#define RANDOM_WAKE_SCAN	4

/* The best CPU found so far for a task, and how many CPUs were examined. */
struct random_placement {
	unsigned int	best_nr;
	unsigned int	ties;
	unsigned int	scanned;
	int		best_cpu;
};

/*
 * Examines @cpu for @p: the CPU with the fewest tasks to wait behind wins,
 * ties are broken uniformly at random (reservoir sampling), so that equal
 * CPUs share the load evenly. Returns false once the scan bound is reached.
 */
static bool random_placement_consider(struct random_placement *pl,
				      struct task_struct *p, int cpu,
				      int task_cpu)
{
	unsigned int nr;

	if (pl->scanned++ >= RANDOM_WAKE_SCAN)
		return false;
	nr = random_cpu_cost(p, cpu, task_cpu);
	if (nr < pl->best_nr) {
		pl->best_nr = nr;
		pl->best_cpu = cpu;
		pl->ties = 1;
	} else if (nr == pl->best_nr && !random_uniform(++pl->ties)) {
		pl->best_cpu = cpu;
	}
	return true;
}

/*
 * Place a waking, forked or exec'ing task: on its previous CPU if it would
 * run there at once or no other CPU would make it wait behind fewer tasks
 * (its cache may still hold the task's data); else on the best of at most
 * RANDOM_WAKE_SCAN other allowed, active CPUs, its previous CPU's LLC
 * first, each scan starting at a random CPU.
 */
static int __select_task_rq_random(struct task_struct *p, int task_cpu)
{
	struct random_placement pl = { .best_nr = UINT_MAX, .best_cpu = task_cpu };
	int cpu, start = random_uniform(nr_cpu_ids);
	unsigned int prev_nr = UINT_MAX;
	struct sched_domain *sd;
	bool llc_scanned;

	if (cpumask_test_cpu(task_cpu, p->cpus_ptr) && cpu_active(task_cpu)) {
		prev_nr = random_cpu_cost(p, task_cpu, task_cpu);
		if (!prev_nr)
			return task_cpu;
	}

	rcu_read_lock();
	sd = rcu_dereference(per_cpu(sd_llc, task_cpu));
	llc_scanned = sd;
	if (sd) {
		for_each_cpu_wrap(cpu, sched_domain_span(sd), start) {
			if (cpu == task_cpu || !cpumask_test_cpu(cpu, p->cpus_ptr) ||
			    !cpu_active(cpu))
				continue;
			if (!random_placement_consider(&pl, p, cpu, task_cpu))
				break;
		}
	}
	rcu_read_unlock();

	if (pl.best_nr) {
		for_each_cpu_wrap(cpu, p->cpus_ptr, start) {
			if (cpu == task_cpu || !cpu_active(cpu) ||
			    (llc_scanned && cpus_share_cache(task_cpu, cpu)))
				continue;
			if (!random_placement_consider(&pl, p, cpu, task_cpu))
				break;
		}
	}

	if (prev_nr <= pl.best_nr)
		return task_cpu;
	return pl.best_cpu;
}

/*
 * Core calls this with p->pi_lock held and interrupts off, so this CPU
 * alone writes its counters.
 */
static int select_task_rq_random(struct task_struct *p, int task_cpu, int flags)
{
	struct random_rq *rrq;
	u64 start;
	int cpu;

	if (!schedstat_enabled())
		return __select_task_rq_random(p, task_cpu);

	/* The cost of a placement, for sched/debug and the benchmarks. */
	start = sched_clock_cpu(smp_processor_id());
	cpu = __select_task_rq_random(p, task_cpu);
	rrq = &this_rq()->random;
	WRITE_ONCE(rrq->place_ns,
		   rrq->place_ns + sched_clock_cpu(smp_processor_id()) - start);
	WRITE_ONCE(rrq->nr_places, rrq->nr_places + 1);
	return cpu;
}

#else /* !CONFIG_SMP */

static inline void random_update_overload(struct rq *rq) { }
static inline void random_pull_gen_bump(struct rq *rq) { }
static inline void random_queue_push(struct rq *rq) { }
static inline void random_kick_arrival(struct rq *rq, struct task_struct *p,
				       int flags) { }
static inline bool random_should_pull(struct rq *rq) { return false; }

/* One CPU: a task never moves. Called by Rust with @p's rq lock held. */
bool sched_random_can_migrate(struct task_struct *p, int dst_cpu)
{
	return false;
}

bool sched_random_can_push(struct task_struct *p, const struct cpumask *lower)
{
	return false;
}

#endif /* CONFIG_SMP */
