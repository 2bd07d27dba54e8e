// SPDX-License-Identifier: GPL-2.0
/*
 * ABA in a lock-free (Treiber) stack: a pop reads the top and its next
 * pointer, then swings the top with a compare-and-swap. If, in between,
 * another thread pops that node and the next one and pushes the first
 * back, the compare-and-swap succeeds with a stale next pointer and puts
 * a node that is in use back on the stack.
 */
#include "corpus.h"

struct node {
	struct node *next;
};

static struct node nodes[3];
static struct node *top;

static struct node *pop(unsigned int delay)
{
	struct node *old, *next;

	do {
		old = __atomic_load_n(&top, __ATOMIC_ACQUIRE);
		if (!old)
			return NULL;
		next = old->next;
		window(delay);
	} while (!__atomic_compare_exchange_n(&top, &old, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return old;
}

static void push(struct node *n)
{
	struct node *old = __atomic_load_n(&top, __ATOMIC_ACQUIRE);

	do
		n->next = old;
	while (!__atomic_compare_exchange_n(&top, &old, n, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

static struct node *held[2];

static void *slow_pop(void *arg)
{
	(void)arg;
	held[0] = pop(300);
	return NULL;
}

static void *pop_pop_push(void *arg)
{
	struct node *first;

	(void)arg;
	forced_delay(10000);
	first = pop(0);
	held[1] = pop(0);
	if (first)
		push(first);
	return NULL;
}

int main(void)
{
	int seen[3] = { 0 };
	struct node *n;

	corpus_start("aba_stack");
	for (int i = 2; i >= 0; i--)
		push(&nodes[i]);
	run_pair(slow_pop, pop_pop_push);
	for (int i = 0; i < 2; i++)
		if (held[i])
			seen[held[i] - nodes]++;
	for (n = top; n; n = n->next) {
		if (++seen[n - nodes] > 1)
			corpus_fail("ABA: a node held by a thread is still on the stack");
	}
	for (int i = 0; i < 3; i++)
		if (seen[i] != 1)
			corpus_fail("ABA: a node was lost from the stack");
	return 0;
}
