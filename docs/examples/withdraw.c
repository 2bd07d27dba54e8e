// SPDX-License-Identifier: GPL-2.0
/*
 * Check-then-act across two locked regions: each thread checks the
 * balance under the lock, releases it, then takes it again to withdraw.
 * Both can see enough money between the two regions, and the balance goes
 * negative. docs/run-in.md's --sync-points example:
 * cc -O2 -pthread -o withdraw withdraw.c
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long balance = 100;

static void *withdraw(void *arg)
{
	long seen;

	pthread_mutex_lock(&lock);
	seen = balance;
	pthread_mutex_unlock(&lock);
	if (seen >= 100) {
		pthread_mutex_lock(&lock);
		balance -= 100;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, withdraw, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (balance < 0) {
		printf("withdraw: balance %ld\n", balance);
		return 1;
	}
	return 0;
}
