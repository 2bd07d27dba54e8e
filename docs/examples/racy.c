// SPDX-License-Identifier: GPL-2.0
/*
 * Two threads add to a shared counter without a lock: an update is lost
 * when one thread is stopped between its load and its store. The README's
 * scripts/hunt example: cc -O2 -pthread -o racy racy.c
 */
#include <pthread.h>
#include <stdio.h>

#define ADDS 200
static volatile long counter;

static void *add(void *arg)
{
	for (int i = 0; i < ADDS; i++) {
		long c = counter;	/* load ... */
		for (volatile int k = 0; k < 50; k++)
			;		/* ... a short window ... */
		counter = c + 1;	/* ... store */
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, add, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (counter != 2 * ADDS) {
		printf("racy: lost %ld of %d updates\n", 2 * ADDS - counter, 2 * ADDS);
		return 1;
	}
	return 0;
}
