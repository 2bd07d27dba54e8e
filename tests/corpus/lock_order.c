// SPDX-License-Identifier: GPL-2.0
/*
 * Lock-order inversion: one thread takes A then B, the other B then A.
 * If each takes its first lock before the other takes its second, they
 * deadlock (here: detected by a timed lock instead of hanging).
 */
#include "corpus.h"
#include <time.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void lock2(pthread_mutex_t *first, pthread_mutex_t *second)
{
	struct timespec t;

	pthread_mutex_lock(first);
	window(300);
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 2;
	if (pthread_mutex_timedlock(second, &t))
		corpus_fail("deadlock: two threads took the same two locks in opposite orders");
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void *ab(void *arg)
{
	(void)arg;
	lock2(&a, &b);
	return NULL;
}

static void *ba(void *arg)
{
	(void)arg;
	lock2(&b, &a);
	return NULL;
}

int main(void)
{
	corpus_start("lock_order");
	run_pair(ab, ba);
	return 0;
}
