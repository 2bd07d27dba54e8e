// SPDX-License-Identifier: GPL-2.0
/*
 * Check-then-act: two threads withdraw from an account after checking
 * the balance, without holding a lock across the check and the update.
 * Both can pass the check, and the balance goes negative.
 */
#include "corpus.h"

static volatile long balance = 100;

static void *withdraw(void *arg)
{
	(void)arg;
	if (balance >= 80) {
		window(500);
		__atomic_fetch_sub(&balance, 80, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

int main(void)
{
	corpus_start("check_then_act");
	run_pair(withdraw, withdraw);
	if (balance < 0)
		corpus_fail("both withdrawals passed the check: balance below zero");
	return 0;
}
