/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the bug corpus: every program has one known
 * concurrency bug. Its exit status says how a run ended, so that a
 * benchmark counts only the program's own bug:
 *
 *   0  the run did not show the bug
 *   1  it did: one line "NAME: bug: what went wrong" on stderr
 *   2  a setup error (a bad CORPUS_WINDOW_SCALE, pthread_create failed)
 *   3  the watchdog stopped it after WATCHDOG_S seconds without progress
 *      ("NAME: watchdog: ..."), so that a run never hangs the caller
 *
 * For a program whose bug is a hang (a lost wakeup), the watchdog is its
 * detector: such a program defines CORPUS_HANG_BUG, the message of its bug,
 * before including this file, and its watchdog exits 1 with that message.
 */
#ifndef CORPUS_H
#define CORPUS_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * A hang that is the program's bug shows after 2 s (a run without it takes
 * milliseconds, even under TCG), so that a benchmark of many runs does not
 * spend most of its time waiting for lost wakeups; any other hang after 5 s.
 */
#ifdef CORPUS_HANG_BUG
#define WATCHDOG_S 2
#else
#define WATCHDOG_S 5
#endif

#define CORPUS_EXIT_BUG		1
#define CORPUS_EXIT_SETUP	2
#define CORPUS_EXIT_WATCHDOG	3

static const char *corpus_name;

/*
 * Every window's width as a multiple of the width the program gives it:
 * CORPUS_WINDOW_SCALE in the environment (1 to 1000, default 1), read by
 * corpus_start() before any thread exists. `scripts/bench --corpus
 * --window-scale S` measures how each mode does as windows widen.
 */
static unsigned int corpus_scale = 1;

/*
 * The timeline (CORPUS_TIMELINE=1 in the environment; `scripts/bench
 * --corpus` reads it): when the program exits normally or through
 * corpus_fail(), one line on stderr,
 *
 *   timeline N B1 F1 S1 E1 ... BN FN SN EN
 *
 * for the N threads spawn() made, in that order: when each thread began
 * and finished (its function's entry and return, or the exit for a thread
 * still running then) and the start of its first window and the end of
 * its last, in ns since corpus_start(), -1 where there is none. It shows
 * whether the threads' lives overlapped at all, and how long the racy code
 * lasted. Off by default: a run without it only tests a flag before and
 * after each window (and reads the clock nowhere).
 */
#define TIMELINE_MAX 8

static int corpus_timeline;
static uint64_t timeline_t0;
static int timeline_n;
static __thread int timeline_slot = -1;
static struct {
	void *(*fn)(void *);
	void *arg;
	int64_t began, finished, first, last;
} timeline[TIMELINE_MAX];

static int64_t timeline_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - timeline_t0);
}

static void timeline_print(void)
{
	char line[40 + TIMELINE_MAX * 4 * 21];
	int64_t end = timeline_now();
	int len = snprintf(line, sizeof(line), "timeline %d", timeline_n);

	for (int i = 0; i < timeline_n; i++) {
		/* Still running (the program exits from corpus_fail()): until now. */
		if (timeline[i].began >= 0 && timeline[i].finished < 0)
			timeline[i].finished = end;
		len += snprintf(line + len, sizeof(line) - len, " %lld %lld %lld %lld",
				(long long)timeline[i].began, (long long)timeline[i].finished,
				(long long)timeline[i].first, (long long)timeline[i].last);
	}
	fprintf(stderr, "%s\n", line);
}

static void *timeline_thread(void *arg)
{
	int i = (int)(intptr_t)arg;
	void *ret;

	timeline_slot = i;
	timeline[i].began = timeline_now();
	ret = timeline[i].fn(timeline[i].arg);
	timeline[i].finished = timeline_now();
	return ret;
}

static void corpus_timeout(int sig)
{
#ifdef CORPUS_HANG_BUG
	static const char msg[] = ": bug: " CORPUS_HANG_BUG " (no progress in 2 s)\n";
	const int code = CORPUS_EXIT_BUG;
#else
	static const char msg[] = ": watchdog: no progress in 5 s (not this program's bug)\n";
	const int code = CORPUS_EXIT_WATCHDOG;
#endif

	(void)sig;
	if (write(2, corpus_name, strlen(corpus_name)) < 0 || write(2, msg, sizeof(msg) - 1) < 0)
		_exit(code);
	_exit(code);
}

/*
 * Call first: names the program in messages, reads the window scale (an
 * invalid one is an error: exit 2) and arms the watchdog.
 */
static inline void corpus_start(const char *name)
{
	const char *scale = getenv("CORPUS_WINDOW_SCALE");

	corpus_name = name;
	if (scale) {
		char *end;
		unsigned long v = strtoul(scale, &end, 10);

		if (!*scale || *end || v < 1 || v > 1000) {
			fprintf(stderr, "%s: CORPUS_WINDOW_SCALE='%s' is not a number from 1 to 1000\n",
				name, scale);
			exit(CORPUS_EXIT_SETUP);
		}
		corpus_scale = v;
	}
	if (getenv("CORPUS_TIMELINE")) {
		corpus_timeline = 1;
		timeline_t0 = (uint64_t)timeline_now();	/* timeline_t0 is 0 here */
		atexit(timeline_print);
	}
	signal(SIGALRM, corpus_timeout);
	alarm(WATCHDOG_S);
}

/* The bug showed: say how and exit 1. */
static inline void __attribute__((noreturn)) corpus_fail(const char *what)
{
	fprintf(stderr, "%s: bug: %s\n", corpus_name, what);
	exit(CORPUS_EXIT_BUG);
}

/* A few microseconds of work the compiler cannot remove. */
static inline void work(unsigned int n)
{
	for (volatile unsigned int i = 0; i < n; i++)
		;
}

/*
 * The window in which a preemption (or the other thread on another CPU)
 * exposes the bug: @n iterations of work, times the window scale. Built
 * with -DFORCE_BUG, a window sleeps n ms instead (whatever the scale),
 * so that the other thread runs in it and every run shows the bug: the
 * check that each program's bug is real and that its detection works
 * (scripts/test, host.corpus_bugs_real, which wants the bug in every
 * run). At n * 200 us, 1 forced run in 3 of double_checked_init missed
 * it on a host busy with a kernel build: its second thread started
 * after the 60 ms window.
 */
static inline void window(unsigned int n)
{
#ifdef FORCE_BUG
	usleep(n * 1000);
#else
	int i = timeline_slot;

	if (corpus_timeline && i >= 0 && timeline[i].first < 0)
		timeline[i].first = timeline_now();
	work(n * corpus_scale);
	if (corpus_timeline && i >= 0)
		timeline[i].last = timeline_now();
#endif
}

/*
 * Nothing, unless built with -DFORCE_BUG: then sleeps @us to put the
 * threads in the order that lets the forced window show the bug.
 */
static inline void forced_delay(unsigned int us)
{
#ifdef FORCE_BUG
	usleep(us);
#else
	(void)us;
#endif
}

static inline pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (corpus_timeline && timeline_n < TIMELINE_MAX) {
		int i = timeline_n++;

		timeline[i].fn = fn;
		timeline[i].arg = arg;
		timeline[i].began = -1;
		timeline[i].finished = -1;
		timeline[i].first = -1;
		timeline[i].last = -1;
		fn = timeline_thread;
		arg = (void *)(intptr_t)i;
	}
	if (pthread_create(&t, NULL, fn, arg)) {
		perror("pthread_create");
		exit(CORPUS_EXIT_SETUP);
	}
	return t;
}

static inline void join(pthread_t t)
{
	pthread_join(t, NULL);
}

/* Starts @first, then @second, and waits for both. */
static inline void run_pair(void *(*first)(void *), void *(*second)(void *))
{
	pthread_t a = spawn(first, NULL), b = spawn(second, NULL);

	join(a);
	join(b);
}

#endif
