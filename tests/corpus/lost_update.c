// SPDX-License-Identifier: GPL-2.0
/*
 * Lost update: two threads add to a shared counter with a plain
 * read-modify-write. If one is preempted between its read and its write
 * while the other updates, an update is lost.
 */
#include "corpus.h"

#define ADDS 10

static volatile long counter;

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < ADDS; i++) {
		long v = counter;

		window(200);
		counter = v + 1;
	}
	return NULL;
}

int main(void)
{
	corpus_start("lost_update");
	run_pair(adder, adder);
	if (counter != 2 * ADDS)
		corpus_fail("an update was lost");
	return 0;
}
