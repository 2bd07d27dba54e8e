// SPDX-License-Identifier: GPL-2.0
/*
 * A reference count dropped with a plain decrement: two threads drop the
 * last two references at once, both read 2, and the object is never
 * released (or, with other timings, released twice).
 */
#include "corpus.h"

static volatile int refs = 2;
static int released;

static void put(void)
{
	int r = refs;

	window(300);
	refs = r - 1;
	if (r - 1 == 0)
		__atomic_fetch_add(&released, 1, __ATOMIC_SEQ_CST);
}

static void *dropper(void *arg)
{
	(void)arg;
	put();
	return NULL;
}

int main(void)
{
	corpus_start("refcount_put");
	run_pair(dropper, dropper);
	if (released != 1)
		corpus_fail(released ? "the object was released twice" : "the object was never released (leak)");
	return 0;
}
