// SPDX-License-Identifier: GPL-2.0
/*
 * SCHED_RANDOM scheduling class.
 *
 * Runs the runnable SCHED_RANDOM tasks of a CPU one time slice at a time,
 * choosing each slice's task uniformly at random. The class sits between
 * the RT and the fair class: RT and deadline tasks (including the fair
 * server) preempt SCHED_RANDOM tasks, which preempt SCHED_NORMAL ones.
 *
 * This file is the C side of the class: the sched_class hooks and all that
 * touches struct rq (nr_running, clocks, runtime accounting, moving tasks
 * between CPUs), plus the kernel.sched_random_timeslice_ms and
 * kernel.sched_random_seed sysctls and the sched_random_decision tracepoint.
 * The run queue itself and the decisions made from it (pick, slice expiry,
 * yield, chaos mode, which task to pull) are Rust, in
 * kernel/sched/random_rq.rs and random_chaos.rs; the interface is
 * kernel/sched/random.h. Balancing between CPUs (overload, push, pull,
 * placement) is in kernel/sched/random_balance.c.
 *
 * See Documentation/scheduler/sched-random.rst. Built as part of
 * build_policy.c, like the other classes.
 */

#define CREATE_TRACE_POINTS
#include <trace/events/sched_random.h>
#undef CREATE_TRACE_POINTS

#define RANDOM_TIMESLICE_MS_DEFAULT	4
#define RANDOM_TIMESLICE_MS_MAX		1000

static int sysctl_sched_random_timeslice_ms = RANDOM_TIMESLICE_MS_DEFAULT;
static int sched_random_timeslice_ms_max = RANDOM_TIMESLICE_MS_MAX;

/* The last seed written; 0: every CPU's decision stream is from the CRNG. */
static unsigned long sysctl_sched_random_seed;
static DEFINE_MUTEX(sched_random_seed_mutex);

/*
 * Seed every CPU's decision stream (random_chaos.rs) from @seed, or each
 * from the CRNG if @seed is 0, and restart its decision count. Not a hot
 * path: a write to the sysctl, and once at boot.
 */
static void sched_random_reseed(u64 seed)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		u64 s = seed ?: get_random_u64();
		struct rq *rq = cpu_rq(cpu);
		struct rq_flags rf;

		rq_lock_irqsave(rq, &rf);
		random_rq_seed(&rq->random, s, cpu);
		rq_unlock_irqrestore(rq, &rf);
	}
}

/* Every write seeds again, the same seed included: a run can be repeated. */
static int sched_random_seed_handler(const struct ctl_table *table, int write,
				     void *buffer, size_t *lenp, loff_t *ppos)
{
	int ret;

	guard(mutex)(&sched_random_seed_mutex);
	ret = proc_doulongvec_minmax(table, write, buffer, lenp, ppos);
	if (!ret && write)
		sched_random_reseed(sysctl_sched_random_seed);
	return ret;
}

static struct ctl_table sched_random_sysctls[] = {
	{
		.procname	= "sched_random_timeslice_ms",
		.data		= &sysctl_sched_random_timeslice_ms,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &sched_random_timeslice_ms_max,
	},
	{
		.procname	= "sched_random_seed",
		.data		= &sysctl_sched_random_seed,
		.maxlen		= sizeof(unsigned long),
		.mode		= 0644,
		.proc_handler	= sched_random_seed_handler,
	},
};

static int __init sched_random_sysctl_init(void)
{
	register_sysctl_init("kernel", sched_random_sysctls);
#ifndef CONFIG_SMP
	/*
	 * sched_init_smp() seeds the per-CPU generator behind sched_rng()
	 * only on SMP; a UP kernel would pick from an all-zero state. No
	 * task can be SCHED_RANDOM before user space starts.
	 */
	prandom_seed_full_state(&sched_rnd_state);
#endif
	sched_random_reseed(0);
	return 0;
}
late_initcall(sched_random_sysctl_init);

static inline u64 random_slice_ns(void)
{
	return (u64)READ_ONCE(sysctl_sched_random_timeslice_ms) * NSEC_PER_MSEC;
}

/*
 * The time slice, in ns, of a task whose own slice (sched_attr.sched_runtime,
 * bounded by __sched_setscheduler()) is @slice: that, or the sysctl's if 0.
 */
u64 sched_random_effective_slice(u64 slice)
{
	return slice ?: random_slice_ns();
}

static inline u64 sched_random_task_slice(struct task_struct *p)
{
	return sched_random_effective_slice(p->random.slice);
}

/* The length of @p's current slice: drawn in chaos mode, else its slice. */
static inline u64 random_cur_slice(struct task_struct *p)
{
	return p->random.chaos ? p->random.slice_len : sched_random_task_slice(p);
}

/* The shortest chaos-mode slice of @p, whose slice is @max. */
static inline u64 random_slice_min(struct task_struct *p, u64 max)
{
	return min(p->random.slice_min ?: SCHED_RANDOM_CHAOS_SLICE_MIN, max);
}

/* Called by random_rq.rs for every decision it draws. */
void sched_random_trace_decision(struct random_rq *rrq, enum random_decision why,
				 u32 nr, u32 index, struct task_struct *p)
{
	struct rq *rq = container_of(rrq, struct rq, random);

	trace_sched_random_decision(cpu_of(rq), rrq->seq, why, nr, index,
				    p ? p->pid : -1);
}

/*
 * Account the running time of rq->donor if it is ours: update_curr_common()
 * charges whatever task is current, and a fair task must not be charged
 * here behind the fair class's back.
 */
static void update_curr_random(struct rq *rq)
{
	if (rq->donor->sched_class != &random_sched_class)
		return;

	update_curr_common(rq);
}

#ifdef CONFIG_SCHED_HRTICK
/*
 * A slice shorter than a tick ends on time, from the hrtick timer, as
 * fair.c and deadline.c use it: the tick would end it up to a tick late.
 * Only tasks that asked for such a slice arm it, when their slice starts,
 * when their slice is shortened while they run (set_next_task_random())
 * and when a second task arrives while they run (the hrtick then ends the
 * slice with a pick). A slice already used up ends at once (hrtick_start()
 * waits 10 us at least). An hrtick armed while this rq runs a SCHED_RANDOM
 * task is ours; put_prev_task_random() cancels it.
 */
static void random_hrtick_start(struct rq *rq, struct task_struct *p)
{
	u64 slice = random_cur_slice(p);
	u64 ran = p->se.sum_exec_runtime - p->random.slice_start;

	if (slice >= TICK_NSEC || !hrtick_enabled(rq))
		return;
	hrtick_start(rq, ran < slice ? slice - ran : 0);
}

/*
 * A second task arrived while @curr runs: end @curr's short slice on time.
 * hrtick_start() replaces the pending expiry, so the runtime it is
 * computed from must be current, or every wakeup would push the slice's
 * end back. Only a short slice needs it: nothing here for a default one.
 */
static void random_hrtick_enqueued(struct rq *rq, struct task_struct *curr)
{
	if (random_cur_slice(curr) >= TICK_NSEC || !hrtick_enabled(rq))
		return;
	update_curr_random(rq);
	random_hrtick_start(rq, curr);
}

/* Called on this CPU, under its rq lock: the timer cannot be running. */
static void random_hrtick_cancel(struct rq *rq)
{
	if (hrtick_enabled(rq))
		hrtimer_try_to_cancel(&rq->hrtick_timer);
}
#else
static inline void random_hrtick_start(struct rq *rq, struct task_struct *p) { }
static inline void random_hrtick_enqueued(struct rq *rq, struct task_struct *curr) { }
static inline void random_hrtick_cancel(struct rq *rq) { }
#endif

/*
 * The random numbers behind every pick; see "Randomness" in random_rq.rs.
 * Safe in any context: preemption is off while this CPU's state advances.
 */
u32 sched_random_u32(void)
{
	u32 r = prandom_u32_state(get_cpu_ptr(&sched_rnd_state));

	put_cpu_ptr(&sched_rnd_state);
	return r;
}

/*
 * The run queue's task array (see random_rq.rs) starts at this many tasks
 * and doubles whenever the queue fills three quarters of it. It is never
 * shrunk: a CPU keeps 8 bytes for each task it has queued at once.
 */
#define RANDOM_SLOTS_MIN	64U

/* Grows the task array of a CPU's run queue; runs in process context. */
static void random_grow_slots_workfn(struct work_struct *work)
{
	struct random_rq *rrq = container_of(work, struct random_rq, grow_work);
	struct rq *rq = container_of(rrq, struct rq, random);
	unsigned int cap = READ_ONCE(rrq->slots_cap);
	unsigned int nr = READ_ONCE(rrq->nr_queued);
	struct task_struct **slots;

	/* Queued again while it ran, or the queue has shrunk since. */
	if (nr <= cap - cap / 4)
		return;
	cap = max(2 * cap, RANDOM_SLOTS_MIN);
	while (nr > cap - cap / 4)
		cap *= 2;
	slots = kvmalloc_array(cap, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return;	/* The tasks that do not fit stay in the treap. */

	raw_spin_rq_lock_irq(rq);
	slots = random_rq_adopt_slots(rrq, slots, cap);
	raw_spin_rq_unlock_irq(rq);
	/* The array not in use: nothing reads it outside the rq lock. */
	kvfree(slots);
}

/* The rq lock is held: hand the allocation over to a worker. */
static void random_grow_slots_irq_workfn(struct irq_work *work)
{
	struct random_rq *rrq = container_of(work, struct random_rq, grow_irq_work);

	queue_work(system_unbound_wq, &rrq->grow_work);
}

static void enqueue_task_random(struct rq *rq, struct task_struct *p, int flags)
{
	struct random_rq *rrq = &rq->random;

	/*
	 * RLIMIT_RTTIME counts the CPU time used since the task last blocked,
	 * as for RT tasks (enqueue_task_rt()); see watchdog().
	 */
	if (flags & ENQUEUE_WAKEUP)
		p->rt.timeout = 0;

	if (WARN_ON_ONCE(!random_rq_enqueue(rrq, p)))
		return;

	/* Three quarters full, or tasks in the overflow treap: grow. */
	if (rrq->nr_queued > rrq->slots_cap - rrq->slots_cap / 4)
		irq_work_queue(&rrq->grow_irq_work);

	add_nr_running(rq, 1);
	random_account_migratory(rq, p, true);
	random_update_overload(rq);
	random_pull_gen_bump(rq);

	/*
	 * For wakeup_preempt_random(): core passes it WF_TTWU only when the
	 * waker enqueues, not for a wakeup queued on this CPU's wakelist
	 * (sched_ttwu_pending()), but every wakeup and fork enqueues so.
	 */
	rq->random.woken = flags & (ENQUEUE_WAKEUP | ENQUEUE_INITIAL) ? p : NULL;

	/* The running task's short slice now has someone to end it for. */
	if (rq->random.curr && rq->random.curr != p)
		random_hrtick_enqueued(rq, rq->random.curr);

	random_kick_arrival(rq, p, flags);
}

static bool dequeue_task_random(struct rq *rq, struct task_struct *p, int flags)
{
	update_curr_random(rq);

	if (WARN_ON_ONCE(!random_rq_dequeue(&rq->random, p)))
		return true;

	sub_nr_running(rq, 1);
	random_account_migratory(rq, p, false);
	if (rq->random.curr == p)
		rq->random.curr = NULL;
	if (rq->random.woken == p)
		rq->random.woken = NULL;
	random_update_overload(rq);
	return true;
}

static void yield_task_random(struct rq *rq)
{
	random_rq_yield(&rq->random, rq->donor);
}

/*
 * SCHED_RANDOM tasks do not preempt each other: the slice runs out first.
 * Except in chaos mode: the wakeup (or fork) of a chaos-mode task is a
 * decision point, a uniform draw among the queued tasks, the running one
 * and @p included (random_rq_wakeup()). Core calls this only while
 * rq->donor is a SCHED_RANDOM task. A task that was not just queued by a
 * wakeup or a fork (a migration, a wakeup of a task still queued) is no
 * decision.
 */
static void wakeup_preempt_random(struct rq *rq, struct task_struct *p, int flags)
{
	bool woken = rq->random.woken == p, pending;

	rq->random.woken = NULL;
	if (!p->random.chaos || !woken)
		return;
	/*
	 * A pick already due is a uniform draw, @p included; unless an
	 * earlier wakeup decision made it, drawn without @p: draw again.
	 */
	pending = test_tsk_need_resched(rq->curr);
	if (pending && !rq->random.next)
		return;
	if (random_rq_wakeup(&rq->random, rq->donor, pending))
		resched_curr(rq);
}

static struct task_struct *pick_task_random(struct rq *rq)
{
	struct task_struct *p;
	u64 start;

	/* An empty queue is no pick to time. */
	if (!schedstat_enabled() || !rq->random.nr_queued)
		return random_rq_pick(&rq->random);

	/* The cost of a pick, for sched/debug and the benchmarks. */
	start = sched_clock_cpu(cpu_of(rq));
	p = random_rq_pick(&rq->random);
	rq->random.pick_ns += sched_clock_cpu(cpu_of(rq)) - start;
	return p;
}

static void put_prev_task_random(struct rq *rq, struct task_struct *p,
				 struct task_struct *next)
{
	update_curr_random(rq);
	update_random_rq_load_avg(rq_clock_pelt(rq), rq, 1);

	if (rq->random.curr == p) {
		rq->random.curr = NULL;
		random_update_overload(rq);
		/* It waits now, if it stays queued: a task to pull. */
		random_pull_gen_bump(rq);
	}

	/* Switching away (in __schedule(), on this CPU): no slice to end. */
	if (next)
		random_hrtick_cancel(rq);

	/*
	 * A task that stays queued while a higher class takes the CPU waits:
	 * move it to a CPU where it can run. A NULL @next is a save/restore
	 * (sched_change) of the running task, which gets it back at once.
	 */
	if (next && task_on_rq_queued(p) &&
	    sched_class_above(next->sched_class, &random_sched_class))
		random_queue_push(rq);
}

static void set_next_task_random(struct rq *rq, struct task_struct *p, bool first)
{
	u64 slice;

	p->se.exec_start = rq_clock_task(rq);
	rq->random.curr = p;
	random_update_overload(rq);

	/*
	 * Only a pick starts a new slice. A restore of the running task
	 * (first == false: a change of affinity, nice, policy parameters,
	 * cgroup or PI state) keeps its slice, or any task could renew its
	 * slice at will and starve the others. Its slice may have become
	 * shorter (sched_setattr()): that one ends on time too, not at the
	 * next tick (contract.slice_shortened_while_running).
	 */
	if (!first) {
		random_hrtick_start(rq, p);
		return;
	}

	slice = sched_random_task_slice(p);
	random_rq_start_slice(&rq->random, p, random_slice_min(p, slice), slice);
	random_hrtick_start(rq, p);

	/* If the previous task was ours, put_prev_task() updated the signal. */
	if (rq->donor->sched_class != &random_sched_class)
		update_random_rq_load_avg(rq_clock_pelt(rq), rq, 0);

	random_queue_push(rq);
}

/* @queued: called from the hrtick timer (random_hrtick_start()). */
static void __task_tick_random(struct rq *rq, struct task_struct *p, int queued)
{
	u64 slice = sched_random_task_slice(p);

	update_curr_random(rq);
	update_random_rq_load_avg(rq_clock_pelt(rq), rq, 1);
	/* Let schedutil see a busy CPU, as the fair and deadline classes do. */
	cpufreq_update_util(rq, 0);

	/*
	 * RLIMIT_RTTIME applies as to RT tasks: rt.c's watchdog() counts the
	 * ticks since the task last blocked in p->rt.timeout (at most one a
	 * jiffy, hrtick calls included) and past the limit has
	 * check_thread_timers() send SIGXCPU at the soft, SIGKILL at the hard
	 * limit.
	 */
	watchdog(rq, p);

	/*
	 * At the end of a slice: pick again if there is a choice, or if
	 * balance_random() could take a task from a busier CPU.
	 */
	if (!random_rq_tick(&rq->random, p, random_slice_min(p, slice), slice)) {
		/* An hrtick a little early (clocks differ): wait for the rest. */
		if (queued)
			random_hrtick_start(rq, p);
		return;
	}
	if (rq->random.nr_queued > 1 || random_should_pull(rq)) {
		resched_curr(rq);
		/*
		 * The pick may choose @p again, and then core calls no
		 * set_next_task(): its new slice needs the timer as well.
		 */
		random_hrtick_start(rq, p);
	}
}

static void task_tick_random(struct rq *rq, struct task_struct *p, int queued)
{
	u64 start;

	if (!schedstat_enabled()) {
		__task_tick_random(rq, p, queued);
		return;
	}

	/* The cost of a tick, for sched/debug and the benchmarks. */
	start = sched_clock_cpu(cpu_of(rq));
	__task_tick_random(rq, p, queued);
	rq->random.tick_ns += sched_clock_cpu(cpu_of(rq)) - start;
	rq->random.nr_ticks++;
}

static unsigned int get_rr_interval_random(struct rq *rq, struct task_struct *p)
{
	return DIV_ROUND_UP_ULL(sched_random_task_slice(p), TICK_NSEC);
}

/* Nice has no effect on a SCHED_RANDOM pick: nothing to redo. */
static void prio_changed_random(struct rq *rq, struct task_struct *p, int oldprio)
{
}

static void switched_to_random(struct rq *rq, struct task_struct *p)
{
	if (task_current(rq, p)) {
		/* From now on its running time is SCHED_RANDOM utilization. */
		update_random_rq_load_avg(rq_clock_pelt(rq), rq, 0);
		/*
		 * Running does not make it the task to run now: the fair
		 * server may have picked it, ahead of RT, while it was a
		 * fair task (p->dl_server), or it comes down from RT or
		 * deadline. Either way an RT or deadline task may be
		 * waiting, and no slice end of ours would give it the CPU:
		 * pick again, as switched_to_fair() does.
		 */
		if (p->dl_server || sched_dl_runnable(rq) ||
		    sched_rt_runnable(rq))
			resched_curr(rq);
		return;
	}

	if (!task_on_rq_queued(p))
		return;

	/* It may wait here while another CPU could run it. */
	random_queue_push(rq);

	/* A task that just became SCHED_RANDOM preempts a lower class. */
	if (sched_class_above(&random_sched_class, rq->donor->sched_class))
		resched_curr(rq);
}

DEFINE_SCHED_CLASS(random) = {
	.enqueue_task		= enqueue_task_random,
	.dequeue_task		= dequeue_task_random,
	.yield_task		= yield_task_random,

	.wakeup_preempt		= wakeup_preempt_random,

	.pick_task		= pick_task_random,
	.put_prev_task		= put_prev_task_random,
	.set_next_task		= set_next_task_random,

#ifdef CONFIG_SMP
	.balance		= balance_random,
	.select_task_rq		= select_task_rq_random,
	.set_cpus_allowed	= set_cpus_allowed_common,
	.rq_online		= rq_online_random,
	.rq_offline		= rq_offline_random,
	.task_woken		= task_woken_random,
#endif

	.task_tick		= task_tick_random,

	.get_rr_interval	= get_rr_interval_random,

	.prio_changed		= prio_changed_random,
	.switched_to		= switched_to_random,

	.update_curr		= update_curr_random,

#ifdef CONFIG_UCLAMP_TASK
	/*
	 * Utilization clamps of SCHED_RANDOM tasks count in their CPU's
	 * clamps, which apply to the utilization that includes theirs (see
	 * effective_cpu_util()), as for fair tasks.
	 */
	.uclamp_enabled		= 1,
#endif
};

void __init init_random_rq(struct rq *rq)
{
	random_rq_init(&rq->random);
#ifdef CONFIG_SMP
	/* Without them a push tries one task and pulls forget their misses. */
	zalloc_cpumask_var(&rq->random.pull_miss_mask, GFP_KERNEL);
	zalloc_cpumask_var(&rq->random.push_mask, GFP_KERNEL);
#endif
	init_irq_work(&rq->random.grow_irq_work, random_grow_slots_irq_workfn);
	INIT_WORK(&rq->random.grow_work, random_grow_slots_workfn);
}
