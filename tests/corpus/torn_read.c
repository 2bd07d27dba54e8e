// SPDX-License-Identifier: GPL-2.0
/*
 * A torn read of a two-field invariant: the writer moves units between
 * two fields without a lock (a + b == 100 holds only between its
 * updates), and the reader checks the invariant from two separate reads.
 */
#include "corpus.h"

static volatile int a = 100, b;

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++) {
		a -= 10;
		window(300);
		b += 10;
	}
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++) {
		int x = a;

		window(100);
		if (x + b != 100)
			corpus_fail("read the two fields in the middle of an update");
	}
	return NULL;
}

int main(void)
{
	corpus_start("torn_read");
	run_pair(writer, reader);
	return 0;
}
