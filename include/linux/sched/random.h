/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCHED_RANDOM: the part of a task that task_struct embeds. Everything else
 * (the run queue, the C/Rust interface) is private to kernel/sched/, in
 * kernel/sched/random.h.
 */
#ifndef _LINUX_SCHED_RANDOM_H
#define _LINUX_SCHED_RANDOM_H

#include <linux/types.h>

/**
 * struct sched_random_entity - a task's place in a SCHED_RANDOM run queue
 * @slot:	1 + its index in the run queue's task array; 0 when it is not
 *		there (not queued, or queued in the overflow treap)
 * @parent:	in the overflow treap: parent node, NULL for the root
 * @left:	left subtree
 * @right:	right subtree
 * @size:	nodes in the subtree rooted here; 0 when not in the treap
 * @prio:	random treap priority, no greater than the parent's
 * @slice_start: se.sum_exec_runtime when the current time slice began
 * @slice_len:	length of the current time slice, in ns (chaos mode draws it)
 * @slice:	the time slice the task asked for with sched_setattr()
 *		(sched_runtime), in ns; 0 for kernel.sched_random_timeslice_ms.
 * @slice_min:	in chaos mode, the shortest slice to draw (sched_period),
 *		in ns; 0 for SCHED_RANDOM_CHAOS_SLICE_MIN
 * @chaos:	chaos mode (SCHED_FLAG_RANDOM_CHAOS): random slice lengths
 *		and wakeups as decision points
 * @migratory:	counted in random_rq::nr_migratory (may run on another CPU)
 *
 * @slice, @slice_min and @chaos are the task's parameters: fork keeps them
 * (random_entity_init() leaves them alone). All zero is a valid "not
 * queued" state.
 */
struct sched_random_entity {
	u32				slot;
	struct sched_random_entity	*parent;
	struct sched_random_entity	*left;
	struct sched_random_entity	*right;
	u32				size;
	u32				prio;
	u64				slice_start;
	u64				slice_len;
	u64				slice;
	u64				slice_min;
	bool				chaos;
	bool				migratory;
};

#endif /* _LINUX_SCHED_RANDOM_H */
