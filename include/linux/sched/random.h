/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCHED_RANDOM: the interface between the C scheduling class
 * (kernel/sched/random.c) and the Rust run queue that owns the queue and
 * the pick policy (kernel/sched/random_rq.rs).
 *
 * The types are C so that they can be embedded in task_struct and struct
 * rq; bindgen makes them and the prototypes below visible to Rust. Only
 * Rust changes the queue (an intrusive treap with subtree sizes, see
 * random_rq.rs); C reads nr_queued locklessly (READ_ONCE()) for placement
 * decisions and keeps the statistics it names below.
 */
#ifndef _LINUX_SCHED_RANDOM_H
#define _LINUX_SCHED_RANDOM_H

#include <linux/types.h>

struct task_struct;

/**
 * struct sched_random_entity - a task's node in a SCHED_RANDOM run queue
 * @parent:	parent node, NULL for the root
 * @left:	left subtree
 * @right:	right subtree
 * @size:	nodes in the subtree rooted here; 0 when not queued
 * @prio:	random treap priority, no greater than the parent's
 * @slice_start: se.sum_exec_runtime when the current time slice began
 *
 * All zero is a valid "not queued" state.
 */
struct sched_random_entity {
	struct sched_random_entity	*parent;
	struct sched_random_entity	*left;
	struct sched_random_entity	*right;
	u32				size;
	u32				prio;
	u64				slice_start;
};

/**
 * struct random_rq - the SCHED_RANDOM run queue of one CPU
 * @root:	root of the treap of runnable SCHED_RANDOM tasks, including
 *		the running one
 * @nr_queued:	number of queued tasks
 * @skip:	task that yielded: the next pick avoids it if it can
 * @nr_picks:	picks that returned a task (statistics, Rust)
 * @pick_ns:	time spent picking, while schedstats are on (statistics, C)
 * @nr_pulled:	tasks this CPU pulled from a busier CPU (statistics, C)
 * @nr_kicks:	idle CPUs this CPU woke up to pull work (statistics, C)
 *
 * Protected by the lock of the struct rq that embeds it.
 */
struct random_rq {
	struct sched_random_entity	*root;
	unsigned int			nr_queued;
	struct task_struct		*skip;
	u64				nr_picks;
	u64				pick_ns;
	u64				nr_pulled;
	u64				nr_kicks;
};

#ifdef CONFIG_SCHED_CLASS_RANDOM
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
void random_rq_start_slice(struct random_rq *rrq, struct task_struct *p);
bool random_rq_tick(struct random_rq *rrq, struct task_struct *p, u64 slice_ns);
struct task_struct *random_rq_pick_pullable(struct random_rq *rrq, int dst_cpu);
u32 random_uniform(u32 n);

/* Implemented in C (kernel/sched/random.c) for the Rust side. */
u32 sched_random_u32(void);
bool sched_random_can_migrate(struct task_struct *p, int dst_cpu);
#endif /* CONFIG_SCHED_CLASS_RANDOM */

#endif /* _LINUX_SCHED_RANDOM_H */
