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
 * between CPUs), plus the kernel.sched_random_timeslice_ms sysctl. The run
 * queue itself and the decisions made from it (pick, slice expiry, yield,
 * which task to pull) are Rust, in kernel/sched/random_rq.rs; the interface
 * is include/linux/sched/random.h.
 *
 * See Documentation/scheduler/sched-random.rst. Built as part of
 * build_policy.c, like the other classes.
 */
#include <linux/irq_work.h>

#define RANDOM_TIMESLICE_MS_DEFAULT	4
#define RANDOM_TIMESLICE_MS_MAX		1000

static int sysctl_sched_random_timeslice_ms = RANDOM_TIMESLICE_MS_DEFAULT;
static int sched_random_timeslice_ms_max = RANDOM_TIMESLICE_MS_MAX;

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
};

static int __init sched_random_sysctl_init(void)
{
	register_sysctl_init("kernel", sched_random_sysctls);
	return 0;
}
late_initcall(sched_random_sysctl_init);

static inline u64 random_slice_ns(void)
{
	return (u64)READ_ONCE(sysctl_sched_random_timeslice_ms) * NSEC_PER_MSEC;
}

/* The random numbers behind every pick; see "Randomness" in random_rq.rs. */
u32 sched_random_u32(void)
{
	return sched_rng();
}

/*
 * Account the running time of rq->curr if it is ours: update_curr_common()
 * charges whatever task is current, and a fair task must not be charged
 * here behind the fair class's back.
 */
static void update_curr_random(struct rq *rq)
{
	if (rq->curr->sched_class != &random_sched_class)
		return;

	update_curr_common(rq);
}

#ifdef CONFIG_SMP
/*
 * CPUs with two or more queued SCHED_RANDOM tasks, i.e. with a task that
 * waits while another CPU might run it. While it is not empty, every CPU
 * that is about to pick a task below SCHED_RANDOM first tries to pull one
 * (see prev_balance() and balance_random()), and idle CPUs are kicked so
 * that they do.
 */
struct cpumask sched_random_overload_mask;

/*
 * Wake up an idle CPU chosen by random_kick_idle(). This runs from an
 * irq_work, after the rq lock of the kicking CPU has been released, so it
 * may take the idle CPU's rq lock. Interrupts are off, so the CPU cannot
 * go offline between the check and the wakeup (stop_machine() waits).
 */
static void random_kick_fn(struct irq_work *work);

static DEFINE_PER_CPU(struct irq_work, random_kick_work) = IRQ_WORK_INIT(random_kick_fn);
static DEFINE_PER_CPU(int, random_kick_cpu);

static void random_kick_fn(struct irq_work *work)
{
	int cpu = __this_cpu_read(random_kick_cpu);

	if (cpu_online(cpu))
		wake_up_if_idle(cpu);
}

/* Kick one idle CPU that could run a task waiting on @rq, if there is one. */
static void random_kick_idle(struct rq *rq)
{
	int cpu;

	for_each_cpu_wrap(cpu, cpu_active_mask, cpu_of(rq) + 1) {
		if (cpu == cpu_of(rq) || !idle_cpu(cpu))
			continue;
		if (!random_rq_pick_pullable(&rq->random, cpu))
			continue;
		__this_cpu_write(random_kick_cpu, cpu);
		irq_work_queue(this_cpu_ptr(&random_kick_work));
		rq->random.nr_kicks++;
		return;
	}
}

static void random_update_overload(struct rq *rq)
{
	bool overloaded = rq->random.nr_queued >= 2;
	int cpu = cpu_of(rq);

	if (overloaded == cpumask_test_cpu(cpu, &sched_random_overload_mask))
		return;

	if (overloaded) {
		cpumask_set_cpu(cpu, &sched_random_overload_mask);
		random_kick_idle(rq);
	} else {
		cpumask_clear_cpu(cpu, &sched_random_overload_mask);
	}
}

bool sched_random_can_migrate(struct task_struct *p, int dst_cpu)
{
	return !task_on_cpu(task_rq(p), p) && !is_migration_disabled(p) &&
	       cpumask_test_cpu(dst_cpu, p->cpus_ptr);
}

/*
 * Can @this_rq take a task from @src_rq? Only if that leaves @src_rq with
 * at least as many queued tasks as @this_rq, so that two CPUs never trade
 * a task back and forth.
 */
static inline bool random_imbalanced(struct rq *this_rq, struct rq *src_rq)
{
	return READ_ONCE(src_rq->random.nr_queued) >=
	       READ_ONCE(this_rq->random.nr_queued) + 2;
}

/* Is there an overloaded CPU that @rq could take a task from? */
static bool random_should_pull(struct rq *rq)
{
	int cpu;

	for_each_cpu(cpu, &sched_random_overload_mask) {
		if (cpu != cpu_of(rq) && random_imbalanced(rq, cpu_rq(cpu)))
			return true;
	}
	return false;
}

/*
 * Pull one waiting SCHED_RANDOM task to @this_rq from an overloaded CPU
 * with at least two more queued tasks. Called with this_rq->lock held
 * (unpinned); it may be dropped and retaken by double_lock_balance().
 */
static void pull_random_task(struct rq *this_rq)
{
	int this_cpu = cpu_of(this_rq), cpu;
	struct task_struct *p;
	struct rq *src_rq;

	for_each_cpu_wrap(cpu, &sched_random_overload_mask,
			  random_uniform(nr_cpu_ids)) {
		if (cpu == this_cpu)
			continue;
		src_rq = cpu_rq(cpu);
		if (!random_imbalanced(this_rq, src_rq))
			continue;

		double_lock_balance(this_rq, src_rq);
		p = NULL;
		/* Both may have changed while this_rq->lock was dropped. */
		if (random_imbalanced(this_rq, src_rq))
			p = random_rq_pick_pullable(&src_rq->random, this_cpu);
		if (p) {
			deactivate_task(src_rq, p, 0);
			set_task_cpu(p, this_cpu);
			activate_task(this_rq, p, 0);
			this_rq->random.nr_pulled++;
		}
		double_unlock_balance(this_rq, src_rq);
		if (p)
			return;
	}
}

/*
 * Before a CPU picks a task, while some CPU is overloaded: take a waiting
 * task from a CPU with at least two more. prev_balance() calls this when
 * the CPU is about to run something below SCHED_RANDOM (it then has no
 * SCHED_RANDOM task at all) and at the end of every SCHED_RANDOM slice
 * (task_tick_random() forces the reschedule when a pull is possible).
 */
static int balance_random(struct rq *rq, struct task_struct *prev,
			  struct rq_flags *rf)
{
	if (sched_random_overloaded() && cpu_active(cpu_of(rq)) &&
	    random_should_pull(rq)) {
		/*
		 * As in balance_rt(): prev is on_cpu, so it cannot be pulled
		 * away, and the picking loop has not started yet.
		 */
		rq_unpin_lock(rq, rf);
		pull_random_task(rq);
		rq_repin_lock(rq, rf);
	}

	return sched_stop_runnable(rq) || sched_dl_runnable(rq) ||
	       sched_rt_runnable(rq) || rq->random.nr_queued;
}

/*
 * Place a waking, forked or exec'ing task on the allowed, active CPU with
 * the fewest queued SCHED_RANDOM tasks; ties are broken uniformly at
 * random (reservoir sampling), so that equal CPUs share the load evenly.
 */
static int select_task_rq_random(struct task_struct *p, int task_cpu, int flags)
{
	unsigned int nr, best_nr = UINT_MAX, ties = 0;
	int cpu, best_cpu = task_cpu;

	for_each_cpu_and(cpu, p->cpus_ptr, cpu_active_mask) {
		nr = READ_ONCE(cpu_rq(cpu)->random.nr_queued);
		/* An exec'ing task is still queued where it runs. */
		if (cpu == task_cpu && task_on_rq_queued(p) && nr)
			nr--;
		if (nr < best_nr) {
			best_nr = nr;
			best_cpu = cpu;
			ties = 1;
		} else if (nr == best_nr && !random_uniform(++ties)) {
			best_cpu = cpu;
		}
	}

	return best_cpu;
}
#else
static inline void random_update_overload(struct rq *rq) { }
static inline void random_kick_idle(struct rq *rq) { }
static inline bool random_should_pull(struct rq *rq) { return false; }
#endif /* CONFIG_SMP */

static void enqueue_task_random(struct rq *rq, struct task_struct *p, int flags)
{
	if (WARN_ON_ONCE(!random_rq_enqueue(&rq->random, p)))
		return;

	add_nr_running(rq, 1);
	random_update_overload(rq);
}

static bool dequeue_task_random(struct rq *rq, struct task_struct *p, int flags)
{
	update_curr_random(rq);

	if (WARN_ON_ONCE(!random_rq_dequeue(&rq->random, p)))
		return true;

	sub_nr_running(rq, 1);
	random_update_overload(rq);
	return true;
}

static void yield_task_random(struct rq *rq)
{
	random_rq_yield(&rq->random, rq->curr);
}

/* SCHED_RANDOM tasks do not preempt each other: the slice runs out first. */
static void wakeup_preempt_random(struct rq *rq, struct task_struct *p, int flags)
{
}

static struct task_struct *pick_task_random(struct rq *rq)
{
	struct task_struct *p;
	u64 start;

	if (!schedstat_enabled())
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
}

static void set_next_task_random(struct rq *rq, struct task_struct *p, bool first)
{
	p->se.exec_start = rq_clock_task(rq);
	random_rq_start_slice(&rq->random, p);
}

static void task_tick_random(struct rq *rq, struct task_struct *p, int queued)
{
	update_curr_random(rq);

	/*
	 * At the end of a slice: pick again if there is a choice, or if
	 * balance_random() could take a task from a busier CPU.
	 */
	if (random_rq_tick(&rq->random, p, random_slice_ns()) &&
	    (rq->random.nr_queued > 1 || random_should_pull(rq)))
		resched_curr(rq);

	/* Catch up with idle CPUs that went idle after the last kick. */
	if (rq->random.nr_queued > 1)
		random_kick_idle(rq);
}

static unsigned int get_rr_interval_random(struct rq *rq, struct task_struct *p)
{
	return msecs_to_jiffies(READ_ONCE(sysctl_sched_random_timeslice_ms));
}

static void prio_changed_random(struct rq *rq, struct task_struct *p, int oldprio)
{
}

static void switched_to_random(struct rq *rq, struct task_struct *p)
{
	/* A task that just became SCHED_RANDOM preempts a lower class. */
	if (task_on_rq_queued(p) && rq->donor != p &&
	    sched_class_above(&random_sched_class, rq->donor->sched_class))
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
#endif

	.task_tick		= task_tick_random,

	.get_rr_interval	= get_rr_interval_random,

	.prio_changed		= prio_changed_random,
	.switched_to		= switched_to_random,

	.update_curr		= update_curr_random,
};

void __init init_random_rq(struct rq *rq)
{
	random_rq_init(&rq->random);
}
