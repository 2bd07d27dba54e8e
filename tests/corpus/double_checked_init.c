// SPDX-License-Identifier: GPL-2.0
/*
 * Double-checked initialisation done wrong: the singleton pointer is
 * published before the object is filled in, so a thread that sees the
 * pointer on the unlocked fast path can use a half-built object.
 */
#include "corpus.h"

struct obj {
	volatile int magic;
};

static struct obj *volatile instance;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static struct obj *get(void)
{
	if (!instance) {
		pthread_mutex_lock(&m);
		if (!instance) {
			struct obj *o = calloc(1, sizeof(*o));

			if (!o)
				exit(2);
			instance = o;	/* published too early */
			window(300);
			o->magic = 42;
		}
		pthread_mutex_unlock(&m);
	}
	return instance;
}

static void *user(void *arg)
{
	(void)arg;
	if (get()->magic != 42)
		corpus_fail("used a half-initialised singleton");
	return NULL;
}

static void *late_user(void *arg)
{
	forced_delay(2000);
	return user(arg);
}

int main(void)
{
	corpus_start("double_checked_init");
	run_pair(user, late_user);
	return 0;
}
