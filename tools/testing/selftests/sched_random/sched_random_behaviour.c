// SPDX-License-Identifier: GPL-2.0
/*
 * What SCHED_RANDOM does, with bounds wide enough for a loaded machine or an
 * emulator: CPU-bound SCHED_RANDOM tasks that share one CPU all make
 * progress, and the task that runs after each of them is drawn at random,
 * not taken in turn; a SCHED_RANDOM task moves between CPUs and stays in
 * its class.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "sched_random.h"
#include "../kselftest_harness.h"

#define NR_TASKS	4
#define RUN_SECONDS	5

struct share {
	pthread_barrier_t start;
	int cpu;
	atomic_int last;	/* the task seen running last, or -1 */
	atomic_bool stop;
	/* Written by the task that runs: one at a time on one CPU. */
	unsigned long successors[NR_TASKS][NR_TASKS];
	unsigned long switch_ins[NR_TASKS];
	unsigned long long cpu_ns[NR_TASKS];
	int err[NR_TASKS];
};

struct spinner {
	struct share *share;
	int id;
};

static unsigned long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Spins on the shared CPU and, whenever it finds another task recorded as
 * the last one to run, counts itself as that task's successor.
 */
static void *spin(void *arg)
{
	struct spinner *s = arg;
	struct share *sh = s->share;
	unsigned long long t0;
	cpu_set_t set;
	int prev;

	CPU_ZERO(&set);
	CPU_SET(sh->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		sh->err[s->id] = errno;
	else
		sh->err[s->id] = -set_policy(SCHED_RANDOM, 0);
	/* All start at once, all SCHED_RANDOM: none runs ahead of the rest. */
	pthread_barrier_wait(&sh->start);
	t0 = thread_cpu_ns();
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		prev = atomic_load_explicit(&sh->last, memory_order_relaxed);
		if (prev == s->id)
			continue;
		if (prev >= 0)
			sh->successors[prev][s->id]++;
		sh->switch_ins[s->id]++;
		atomic_store_explicit(&sh->last, s->id, memory_order_relaxed);
	}
	sh->cpu_ns[s->id] = thread_cpu_ns() - t0;
	return NULL;
}

/* The highest CPU the caller may run on. */
static int last_allowed_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

/*
 * NR_TASKS CPU-bound SCHED_RANDOM tasks on one CPU for RUN_SECONDS: at
 * least 100 switches between them (about 40 a second with 4 ms slices
 * under an emulator), each task switched in for at least 10% of them (a
 * fair share is 25%) and getting at least 5% of the CPU time (under an
 * emulator a stalled virtual CPU charges whichever task runs, so CPU time
 * is a noisy measure of what the scheduler chose: a wider bound).
 *
 * And no task may be followed by the same task more than 90% of the time:
 * round robin follows each task by one task (SCHED_RR with 4 ms slices in
 * this test: 99 to 100%, the rest from a preemption between reading and
 * writing the last task). With uniform picks among the 3 others, a task
 * switched away from 10 times exceeds 90% with a chance of 5e-5, from 20
 * times (this test sees 40 or more) of 4e-8.
 */
TEST(one_cpu_progress_not_round_robin)
{
	struct spinner spinners[NR_TASKS];
	pthread_t threads[NR_TASKS];
	unsigned long long total = 0;
	unsigned long switches = 0;
	struct share *sh;
	unsigned long most, away;
	int i, j;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	sh = calloc(1, sizeof(*sh));
	ASSERT_NE(NULL, sh);
	sh->cpu = last_allowed_cpu();
	ASSERT_LE(0, sh->cpu);
	atomic_init(&sh->last, -1);
	atomic_init(&sh->stop, false);
	ASSERT_EQ(0, pthread_barrier_init(&sh->start, NULL, NR_TASKS + 1));
	for (i = 0; i < NR_TASKS; i++) {
		spinners[i] = (struct spinner){ .share = sh, .id = i };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, spin, &spinners[i]));
	}
	pthread_barrier_wait(&sh->start);
	sleep(RUN_SECONDS);
	atomic_store(&sh->stop, true);
	for (i = 0; i < NR_TASKS; i++)
		ASSERT_EQ(0, pthread_join(threads[i], NULL));

	for (i = 0; i < NR_TASKS; i++) {
		ASSERT_EQ(0, sh->err[i])
			TH_LOG("task %d: affinity or policy: %s", i, strerror(sh->err[i]));
		total += sh->cpu_ns[i];
		switches += sh->switch_ins[i];
	}
	ASSERT_LT(0, total);
	ASSERT_LE(100, switches)
		TH_LOG("%lu switches in %d s: too few to judge", switches, RUN_SECONDS);
	for (i = 0; i < NR_TASKS; i++) {
		most = 0;
		away = 0;
		for (j = 0; j < NR_TASKS; j++) {
			away += sh->successors[i][j];
			if (sh->successors[i][j] > most)
				most = sh->successors[i][j];
		}
		TH_LOG("CPU %d task %d: %.1f%% of the time, %lu runs, successors %lu %lu %lu %lu",
		       sh->cpu, i, 100.0 * sh->cpu_ns[i] / total, sh->switch_ins[i],
		       sh->successors[i][0], sh->successors[i][1],
		       sh->successors[i][2], sh->successors[i][3]);
		EXPECT_GE(sh->switch_ins[i] * 10, switches)
			TH_LOG("task %d had less than 10%% of the switches", i);
		EXPECT_GE(sh->cpu_ns[i] * 20, total)
			TH_LOG("task %d got less than 5%% of the CPU time", i);
		EXPECT_LE(most * 10, away * 9)
			TH_LOG("task %d had one successor %lu times of %lu: round robin?",
			       i, most, away);
	}
	free(sh);
}

/*
 * A SCHED_RANDOM task whose affinity moves it to each CPU in turn runs
 * there, and keeps its policy and its own slice.
 */
TEST(moves_between_cpus)
{
	struct sched_attr attr;
	cpu_set_t allowed, one;
	int cpu, moves = 0;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(allowed), &allowed));
	if (CPU_COUNT(&allowed) < 2)
		SKIP(return, "one CPU: nothing to move to");
	ASSERT_EQ(0, set_random(0, 2 * NSEC_PER_MSEC, false, 0));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		EXPECT_EQ(cpu, sched_getcpu());
		ASSERT_EQ(0, sys_sched_getattr(0, &attr));
		EXPECT_EQ(SCHED_RANDOM, attr.sched_policy);
		EXPECT_EQ(2 * NSEC_PER_MSEC, attr.sched_runtime);
		moves++;
	}
	EXPECT_EQ(CPU_COUNT(&allowed), moves);
}

TEST_HARNESS_MAIN
