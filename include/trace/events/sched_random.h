/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sched_random

#if !defined(_TRACE_SCHED_RANDOM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SCHED_RANDOM_H

#include <linux/tracepoint.h>

/*
 * sched_random_decision - a SCHED_RANDOM CPU chose a task with a draw from
 * its decision stream (a pick or a chaos-mode wakeup; chaos slice lengths,
 * drawn from the same stream, are not reported)
 * @cpu:	the CPU
 * @seq:	decisions this CPU drew since kernel.sched_random_seed was
 *		last written (1 for the first)
 * @why:	0 pick, 1 pick that avoids a task that yielded, 2 chaos-mode
 *		wakeup (enum random_decision, kernel/sched/random.h)
 * @nr:		how many tasks the draw was among
 * @index:	the draw, in 0..@nr-1 (the position among those tasks)
 * @pid:	the task chosen, -1 for none
 *
 * With the same seed, the same sequence of scheduling events on a CPU
 * gives the same @nr and @index sequence (Documentation/scheduler/
 * sched-random.rst). Which pid a position holds also depends on the
 * queue's shape, which does not follow the seed.
 */
TRACE_EVENT(sched_random_decision,

	TP_PROTO(int cpu, u64 seq, unsigned int why, unsigned int nr,
		 unsigned int index, pid_t pid),

	TP_ARGS(cpu, seq, why, nr, index, pid),

	TP_STRUCT__entry(
		__field(int,		cpu)
		__field(u64,		seq)
		__field(unsigned int,	why)
		__field(unsigned int,	nr)
		__field(unsigned int,	index)
		__field(pid_t,		pid)
	),

	TP_fast_assign(
		__entry->cpu	= cpu;
		__entry->seq	= seq;
		__entry->why	= why;
		__entry->nr	= nr;
		__entry->index	= index;
		__entry->pid	= pid;
	),

	TP_printk("cpu=%d seq=%llu why=%s nr=%u index=%u pid=%d",
		  __entry->cpu, __entry->seq,
		  __print_symbolic(__entry->why,
				   { 0, "pick" }, { 1, "yield" }, { 2, "wakeup" }),
		  __entry->nr, __entry->index, __entry->pid)
);

#endif /* _TRACE_SCHED_RANDOM_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
