// SPDX-License-Identifier: GPL-2.0
/*
 * Missed condition-variable wakeup: the waiter tests the flag outside
 * the mutex and then waits once; the signaller sets the flag and signals.
 * If the signal comes between the waiter's test and its wait, the waiter
 * sleeps forever (here: until the watchdog).
 */
/* The bug is a hang: the watchdog detects it. */
#define CORPUS_HANG_BUG "lost wakeup: the waiter slept through the only signal"
#include "corpus.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int ready;

static void *waiter(void *arg)
{
	(void)arg;
	if (!ready) {
		window(300);
		pthread_mutex_lock(&m);
		pthread_cond_wait(&cv, &m);	/* no re-check of ready */
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void *signaller(void *arg)
{
	(void)arg;
	ready = 1;
	pthread_mutex_lock(&m);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m);
	return NULL;
}

int main(void)
{
	pthread_t w, s;

	corpus_start("missed_wakeup");
	w = spawn(waiter, NULL);
	/* The intended order: the waiter waits first. */
	work(20000);
	forced_delay(10000);
	s = spawn(signaller, NULL);
	join(s);
	join(w);
	return 0;
}
