// SPDX-License-Identifier: GPL-2.0
/*
 * A broken single-producer/single-consumer ring: the producer advances
 * the tail (publishes the slot) before it writes the slot. A consumer
 * that runs between the two reads a slot that is not written yet.
 */
#include "corpus.h"

#define ITEMS 4

static volatile long ring[ITEMS];
static volatile unsigned int tail;

static void *producer(void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < ITEMS; i++) {
		unsigned int slot = tail;

		__atomic_store_n(&tail, slot + 1, __ATOMIC_RELEASE);	/* too early */
		window(300);
		ring[slot] = slot + 1;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (unsigned int head = 0; head < ITEMS; head++) {
		while (__atomic_load_n(&tail, __ATOMIC_ACQUIRE) == head)
			;
		if (ring[head] != head + 1)
			corpus_fail("read a slot that was published before it was written");
	}
	return NULL;
}

int main(void)
{
	corpus_start("ring_publish");
	run_pair(producer, consumer);
	return 0;
}
