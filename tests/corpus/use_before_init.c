// SPDX-License-Identifier: GPL-2.0
/*
 * Order violation, use before initialisation: the main thread starts a
 * worker and only then sets up the configuration the worker reads,
 * assuming the worker does not run before pthread_create() returns.
 */
#include "corpus.h"

struct config {
	int verbose;
};

static struct config *volatile cfg;

static void *worker(void *arg)
{
	(void)arg;
	if (!cfg)
		corpus_fail("the worker ran before the configuration was set up");
	return NULL;
}

int main(void)
{
	static struct config c = { .verbose = 1 };
	pthread_t t;

	corpus_start("use_before_init");
	t = spawn(worker, NULL);
	window(100);
	cfg = &c;
	join(t);
	return 0;
}
