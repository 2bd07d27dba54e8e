// SPDX-License-Identifier: GPL-2.0
/*
 * Atomicity violation across two locked regions: a transfer reads the
 * source balance under the lock, drops it, and writes the new balance in
 * a second locked region. Each access is locked; the transfer is not
 * atomic, and a concurrent transfer's debit can be overwritten.
 */
#include "corpus.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long src = 1000, dst;

static void transfer(long amount)
{
	long v;

	pthread_mutex_lock(&lock);
	v = src;
	pthread_mutex_unlock(&lock);
	window(300);
	pthread_mutex_lock(&lock);
	src = v - amount;
	dst += amount;
	pthread_mutex_unlock(&lock);
}

static void *transfer_10(void *arg)
{
	(void)arg;
	transfer(10);
	return NULL;
}

static void *transfer_20(void *arg)
{
	(void)arg;
	transfer(20);
	return NULL;
}

int main(void)
{
	corpus_start("two_locked_regions");
	run_pair(transfer_10, transfer_20);
	if (src + dst != 1000)
		corpus_fail("money was created: a debit was overwritten between two locked regions");
	return 0;
}
