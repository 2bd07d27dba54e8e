// SPDX-License-Identifier: GPL-2.0
/*
 * A spinlock whose acquire tests the lock word and sets it in two steps:
 * two threads can both see it free and both enter the critical section.
 */
#include "corpus.h"

static volatile int locked, inside;

static void lock(void)
{
	while (locked)
		;
	window(200);
	locked = 1;
}

static void unlock(void)
{
	locked = 0;
}

static void *user(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		lock();
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) > 1)
			corpus_fail("two threads inside the critical section");
		window(100);
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		unlock();
	}
	return NULL;
}

int main(void)
{
	corpus_start("broken_spinlock");
	run_pair(user, user);
	return 0;
}
