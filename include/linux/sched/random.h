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
 * struct sched_random_entity - a task's node in a SCHED_RANDOM run queue
 * @parent:	parent node, NULL for the root
 * @left:	left subtree
 * @right:	right subtree
 * @size:	nodes in the subtree rooted here; 0 when not queued
 * @prio:	random treap priority, no greater than the parent's
 * @slice_start: se.sum_exec_runtime when the current time slice began
 * @slice:	the time slice the task asked for with sched_setattr()
 *		(sched_runtime), in ns; 0 for kernel.sched_random_timeslice_ms.
 *		Kept across fork (random_entity_init() leaves it alone).
 * @migratory:	counted in random_rq::nr_migratory (may run on another CPU)
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
	u64				slice;
	bool				migratory;
};

#endif /* _LINUX_SCHED_RANDOM_H */
