// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space interface of SCHED_RANDOM (policy 8), as
 * Documentation/scheduler/sched-random.rst describes it: the policy through
 * sched_setscheduler(), sched_setattr() and sched_getattr(), priority 0
 * only, nice, SCHED_RESET_ON_FORK, SCHED_FLAG_KEEP_*, a task's own slice
 * in sched_attr.sched_runtime, chaos mode (SCHED_FLAG_RANDOM_CHAOS), the
 * privilege checks, and inheritance across fork, exec and threads.
 *
 * Each test runs in a child of its own (the harness forks), so a policy it
 * sets does not outlive it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sched_random.h"
#include "../kselftest_harness.h"

/* The caller's scheduling attributes, or a policy of -1 on error. */
static struct sched_attr attr_of(pid_t pid)
{
	struct sched_attr attr;

	if (sys_sched_getattr(pid, &attr))
		attr.sched_policy = -1;
	return attr;
}

TEST(policy_8_set_get)
{
	struct sched_param param = { .sched_priority = 0 };
	struct sched_attr attr;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, sched_get_priority_min(SCHED_RANDOM));
	ASSERT_EQ(0, sched_get_priority_max(SCHED_RANDOM));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_RANDOM, &param));
	ASSERT_EQ(SCHED_RANDOM, sched_getscheduler(0));
	ASSERT_EQ(0, sys_sched_getattr(0, &attr));
	EXPECT_EQ(SCHED_RANDOM, attr.sched_policy);
	EXPECT_EQ(0, attr.sched_priority);
	EXPECT_EQ(0, attr.sched_runtime);
	EXPECT_EQ(0, attr.sched_flags);
	param.sched_priority = -1;
	ASSERT_EQ(0, sched_getparam(0, &param));
	EXPECT_EQ(0, param.sched_priority);
	ASSERT_EQ(0, set_policy(SCHED_OTHER, 0));
	ASSERT_EQ(SCHED_OTHER, sched_getscheduler(0));
}

TEST(setattr_policy_8)
{
	struct sched_attr attr = { .sched_policy = SCHED_RANDOM };
	struct timespec ts;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, sys_sched_setattr(0, &attr));
	ASSERT_EQ(SCHED_RANDOM, sched_getscheduler(0));
	EXPECT_EQ(SCHED_RANDOM, attr_of(0).sched_policy);
	/* The slice, rounded up to a tick: the default is 4 ms. */
	ASSERT_EQ(0, sched_rr_get_interval(0, &ts));
	EXPECT_EQ(0, ts.tv_sec);
	EXPECT_GE(ts.tv_nsec, 1000000);
}

TEST(priority_zero_only)
{
	struct sched_attr attr = { .sched_policy = SCHED_RANDOM, .sched_priority = 5 };
	static const int prios[] = { 1, 99, -1 };
	unsigned int i;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	for (i = 0; i < ARRAY_SIZE(prios); i++) {
		EXPECT_EQ(-EINVAL, set_policy(SCHED_RANDOM, prios[i]))
			TH_LOG("sched_setscheduler(8, prio %d)", prios[i]);
	}
	EXPECT_EQ(-1, sys_sched_setattr(0, &attr));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
}

TEST(einval_bad_input)
{
	struct sched_attr attr = { .sched_policy = SCHED_RANDOM };

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	/* No policy 9. */
	EXPECT_EQ(-EINVAL, set_policy(SCHED_RANDOM + 1, 0));
	EXPECT_EQ(-1, sched_get_priority_max(SCHED_RANDOM + 1));
	EXPECT_EQ(EINVAL, errno);
	/* A flag that does not exist. */
	attr.sched_flags = SCHED_FLAG_RANDOM_CHAOS << 1;
	EXPECT_EQ(-1, sys_sched_setattr(0, &attr));
	EXPECT_EQ(EINVAL, errno);
	/* A negative pid. */
	attr.sched_flags = 0;
	EXPECT_EQ(-1, syscall(SYS_sched_setattr, -1, &attr, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
}

/* The nice value is kept through SCHED_RANDOM and set by sched_setattr(). */
TEST(nice_kept)
{
	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, 0, 7));
	ASSERT_EQ(0, set_policy(SCHED_RANDOM, 0));
	EXPECT_EQ(7, attr_of(0).sched_nice);
	EXPECT_EQ(7, get_nice());
	ASSERT_EQ(0, set_random(9, 0, false, 0));
	EXPECT_EQ(9, get_nice());
	EXPECT_EQ(9, attr_of(0).sched_nice);
	ASSERT_EQ(0, set_policy(SCHED_OTHER, 0));
	EXPECT_EQ(9, get_nice());
}

static int child_reset(void *arg)
{
	struct sched_attr attr = attr_of(0);

	if (attr.sched_policy != SCHED_OTHER)
		return 1;
	if (attr.sched_flags & SCHED_FLAG_RANDOM_CHAOS || attr.sched_period)
		return 2;
	if (get_nice() != 0)
		return 3;
	/* Entering the class again brings back neither slice nor chaos. */
	if (set_policy(SCHED_RANDOM, 0))
		return 4;
	attr = attr_of(0);
	if (attr.sched_runtime || attr.sched_flags & SCHED_FLAG_RANDOM_CHAOS)
		return 5;
	return 0;
}

/*
 * SCHED_RESET_ON_FORK: the child starts as SCHED_NORMAL with nice 0 (from
 * a negative one) and without the slice and chaos mode.
 */
TEST(reset_on_fork)
{
	struct sched_attr attr = {
		.sched_policy = SCHED_RANDOM,
		.sched_nice = -3,
		.sched_runtime = 2 * NSEC_PER_MSEC,
		.sched_period = 200 * NSEC_PER_USEC,
		.sched_flags = SCHED_FLAG_RANDOM_CHAOS | SCHED_FLAG_RESET_ON_FORK,
	};

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, sys_sched_setattr(0, &attr));
	EXPECT_EQ(SCHED_RANDOM | SCHED_RESET_ON_FORK, sched_getscheduler(0));
	EXPECT_EQ(0, in_child(child_reset, NULL))
		TH_LOG("1: still SCHED_RANDOM, 2: chaos kept, 3: nice kept, 5: parameters back");
	/* The same through sched_setscheduler(). */
	ASSERT_EQ(0, set_policy(SCHED_RANDOM | SCHED_RESET_ON_FORK, 0));
	EXPECT_EQ(0, in_child(child_reset, NULL));
}

/*
 * SCHED_FLAG_KEEP_PARAMS keeps the slice and chaos mode, KEEP_POLICY the
 * policy while the nice value changes.
 */
TEST(keep_flags)
{
	struct sched_attr attr = {
		.sched_policy = SCHED_RANDOM,
		.sched_runtime = 5 * NSEC_PER_MSEC,	/* ignored: KEEP_PARAMS */
		.sched_flags = SCHED_FLAG_KEEP_PARAMS,
	};
	struct sched_attr got;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, set_random(0, 2 * NSEC_PER_MSEC, true, 200 * NSEC_PER_USEC));
	ASSERT_EQ(0, sys_sched_setattr(0, &attr));
	got = attr_of(0);
	EXPECT_EQ(SCHED_RANDOM, got.sched_policy);
	EXPECT_EQ(2 * NSEC_PER_MSEC, got.sched_runtime);
	EXPECT_EQ(SCHED_FLAG_RANDOM_CHAOS, got.sched_flags & SCHED_FLAG_RANDOM_CHAOS);
	EXPECT_EQ(200 * NSEC_PER_USEC, got.sched_period);

	/* KEEP_POLICY: nice 5, still SCHED_RANDOM (with the default slice). */
	memset(&attr, 0, sizeof(attr));
	attr.sched_policy = SCHED_OTHER;	/* ignored: KEEP_POLICY */
	attr.sched_nice = 5;
	attr.sched_flags = SCHED_FLAG_KEEP_POLICY;
	ASSERT_EQ(0, sys_sched_setattr(0, &attr));
	got = attr_of(0);
	EXPECT_EQ(SCHED_RANDOM, got.sched_policy);
	EXPECT_EQ(5, got.sched_nice);
	EXPECT_EQ(0, got.sched_runtime);

	/* Both: nothing changes. */
	attr.sched_nice = 10;
	attr.sched_flags = SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_KEEP_PARAMS;
	ASSERT_EQ(0, sys_sched_setattr(0, &attr));
	got = attr_of(0);
	EXPECT_EQ(SCHED_RANDOM, got.sched_policy);
	EXPECT_EQ(5, got.sched_nice);
}

/* A task's own slice in sched_attr.sched_runtime: 100 us to 100 ms, or 0. */
TEST(slice_bounds)
{
	static const uint64_t bad[] = {
		1, 99 * NSEC_PER_USEC, SLICE_MAX + 1, 1000 * NSEC_PER_MSEC, UINT64_MAX,
	};
	static const uint64_t good[] = { SLICE_MIN, 2 * NSEC_PER_MSEC, SLICE_MAX, 0 };
	struct sched_attr fair = {
		.sched_policy = SCHED_OTHER,
		.sched_runtime = 3 * NSEC_PER_MSEC,
	};
	struct timespec ts;
	unsigned int i;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, set_random(0, bad[i], false, 0))
			TH_LOG("slice %llu ns", (unsigned long long)bad[i]);
	}
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(0, set_random(0, good[i], false, 0));
		EXPECT_EQ(good[i], attr_of(0).sched_runtime);
	}
	/* sched_rr_get_interval() covers it, rounded up to a tick. */
	ASSERT_EQ(0, set_random(0, 2 * NSEC_PER_MSEC, false, 0));
	ASSERT_EQ(0, sched_rr_get_interval(0, &ts));
	EXPECT_EQ(0, ts.tv_sec);
	EXPECT_GE(ts.tv_nsec, 2 * NSEC_PER_MSEC);
	EXPECT_LE(ts.tv_nsec, 6 * NSEC_PER_MSEC);
	/* sched_setscheduler() keeps it. */
	ASSERT_EQ(0, set_policy(SCHED_RANDOM, 0));
	EXPECT_EQ(2 * NSEC_PER_MSEC, attr_of(0).sched_runtime);
	/* A fair task's custom slice is not carried into the class. */
	ASSERT_EQ(0, set_policy(SCHED_OTHER, 0));
	ASSERT_EQ(0, sys_sched_setattr(0, &fair));
	ASSERT_EQ(0, set_policy(SCHED_RANDOM, 0));
	EXPECT_EQ(0, attr_of(0).sched_runtime);
}

/* Chaos mode: SCHED_RANDOM only; its minimum 0, or 10 us up to the slice. */
TEST(chaos_flag)
{
	static const uint64_t bad[][2] = {	/* minimum, slice */
		{ 1, 0 },
		{ 9 * NSEC_PER_USEC, 0 },
		{ 3 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC },
		{ 200 * NSEC_PER_MSEC, 0 },
	};
	static const uint64_t good[][2] = {
		{ 0, 0 },
		{ CHAOS_MIN, 0 },
		{ 100 * NSEC_PER_USEC, 0 },
		{ 2 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC },
		{ 200 * NSEC_PER_USEC, 2 * NSEC_PER_MSEC },
	};
	struct sched_attr attr = { .sched_flags = SCHED_FLAG_RANDOM_CHAOS };
	struct sched_attr got;
	unsigned int i;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, set_random(0, bad[i][1], true, bad[i][0]))
			TH_LOG("minimum %llu ns, slice %llu ns",
			       (unsigned long long)bad[i][0], (unsigned long long)bad[i][1]);
	}
	attr.sched_policy = SCHED_OTHER;
	EXPECT_EQ(-1, sys_sched_setattr(0, &attr));
	EXPECT_EQ(EINVAL, errno);
	attr.sched_policy = SCHED_FIFO;
	attr.sched_priority = 1;
	EXPECT_EQ(-1, sys_sched_setattr(0, &attr));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(0, set_random(0, good[i][1], true, good[i][0]));
		got = attr_of(0);
		EXPECT_EQ(SCHED_RANDOM, got.sched_policy);
		EXPECT_EQ(SCHED_FLAG_RANDOM_CHAOS, got.sched_flags & SCHED_FLAG_RANDOM_CHAOS);
		EXPECT_EQ(good[i][0], got.sched_period);
		EXPECT_EQ(good[i][1], got.sched_runtime);
	}
	/* Kept by sched_setscheduler(), dropped by leaving the class. */
	ASSERT_EQ(0, set_policy(SCHED_RANDOM, 0));
	got = attr_of(0);
	EXPECT_EQ(SCHED_FLAG_RANDOM_CHAOS, got.sched_flags & SCHED_FLAG_RANDOM_CHAOS);
	EXPECT_EQ(200 * NSEC_PER_USEC, got.sched_period);
	ASSERT_EQ(0, set_policy(SCHED_OTHER, 0));
	ASSERT_EQ(0, set_policy(SCHED_RANDOM, 0));
	got = attr_of(0);
	EXPECT_EQ(0, got.sched_flags & SCHED_FLAG_RANDOM_CHAOS);
	EXPECT_EQ(0, got.sched_period);
	EXPECT_EQ(0, got.sched_runtime);
}

static int unprivileged_enter(void *arg)
{
	if (drop_privileges())
		return 10;
	if (set_policy(SCHED_RANDOM, 0) != -EPERM)
		return 11;
	if (set_random(0, 0, false, 0) != -EPERM)
		return 12;
	return sched_getscheduler(0) == SCHED_OTHER ? 0 : 13;
}

static int unprivileged_leave(void *arg)
{
	if (set_policy(SCHED_RANDOM, 0))
		return 20;
	if (drop_privileges())
		return 21;
	if (set_policy(SCHED_RANDOM, 0))
		return 22;	/* staying is not entering */
	if (set_policy(SCHED_OTHER, 0))
		return 23;
	return set_policy(SCHED_RANDOM, 0) == -EPERM ? 0 : 24;
}

/* Entering SCHED_RANDOM needs CAP_SYS_NICE; leaving it does not. */
TEST(eperm_unprivileged)
{
	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	EXPECT_EQ(0, in_child(unprivileged_enter, NULL))
		TH_LOG("11, 12: an unprivileged task entered SCHED_RANDOM");
	EXPECT_EQ(0, in_child(unprivileged_leave, NULL))
		TH_LOG("22: could not stay, 23: could not leave, 24: re-entered");
}

static int unprivileged_slice(void *arg)
{
	if (set_random(0, 2 * NSEC_PER_MSEC, false, 0) || drop_privileges())
		return 30;
	if (set_random(0, NSEC_PER_MSEC, false, 0))
		return 31;	/* shorter is free */
	if (set_random(0, 3 * NSEC_PER_MSEC, false, 0) != -EPERM ||
	    attr_of(0).sched_runtime != NSEC_PER_MSEC)
		return 32;
	if (set_random(0, 0, false, 0) != -EPERM)
		return 33;	/* no return to the default */
	return 0;
}

static int unprivileged_default(void *arg)
{
	if (set_policy(SCHED_RANDOM, 0) || drop_privileges())
		return 40;
	if (set_random(0, 4 * NSEC_PER_MSEC, false, 0) != -EPERM || attr_of(0).sched_runtime)
		return 41;	/* more than the sysctl's floor */
	if (set_random(0, SLICE_FLOOR, false, 0))
		return 42;
	if (set_random(0, 0, false, 0) != -EPERM)
		return 43;
	return 0;
}

/* Without CAP_SYS_NICE a task may only shorten its slice. */
TEST(eperm_slice)
{
	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	EXPECT_EQ(0, in_child(unprivileged_slice, NULL))
		TH_LOG("31: shorter refused, 32: longer allowed, 33: back to the default allowed");
	EXPECT_EQ(0, in_child(unprivileged_default, NULL))
		TH_LOG("41: over 1 ms from the default, 42: 1 ms refused, 43: back allowed");
}

static int unprivileged_chaos(void *arg)
{
	struct sched_attr attr;

	if (set_random(0, 2 * NSEC_PER_MSEC, false, 0) || drop_privileges())
		return 50;
	if (set_random(0, 2 * NSEC_PER_MSEC, true, 0) != -EPERM)
		return 51;	/* entering chaos mode */
	attr = attr_of(0);
	return attr.sched_flags & SCHED_FLAG_RANDOM_CHAOS ? 52 : 0;
}

static int unprivileged_in_chaos(void *arg)
{
	if (set_random(0, 2 * NSEC_PER_MSEC, true, 0) || drop_privileges())
		return 60;
	if (set_random(0, 2 * NSEC_PER_MSEC, true, 500 * NSEC_PER_USEC) != -EPERM)
		return 61;	/* a higher minimum */
	if (set_random(0, 2 * NSEC_PER_MSEC, false, 0) != -EPERM)
		return 62;	/* leaving chaos mode, staying SCHED_RANDOM */
	if (set_random(0, NSEC_PER_MSEC, true, 0))
		return 63;	/* a shorter slice */
	if (set_policy(SCHED_OTHER, 0))
		return 64;	/* leaving the class */
	return 0;
}

/* Chaos mode without CAP_SYS_NICE: no entering it, no longer mean slice. */
TEST(eperm_chaos)
{
	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	EXPECT_EQ(0, in_child(unprivileged_chaos, NULL))
		TH_LOG("51, 52: an unprivileged task entered chaos mode");
	EXPECT_EQ(0, in_child(unprivileged_in_chaos, NULL))
		TH_LOG("61: higher minimum, 62: leaving chaos; 63, 64: refused");
}

/* What a forked child, a thread or an exec'd program must find. */
#define INHERIT_SLICE	(2 * NSEC_PER_MSEC)
#define INHERIT_MIN	(200 * NSEC_PER_USEC)
#define INHERIT_NICE	3

static int check_inherited(void)
{
	struct sched_attr attr = attr_of(0);

	if (attr.sched_policy != SCHED_RANDOM)
		return 1;
	if (attr.sched_runtime != INHERIT_SLICE)
		return 2;
	if (!(attr.sched_flags & SCHED_FLAG_RANDOM_CHAOS) || attr.sched_period != INHERIT_MIN)
		return 3;
	if (attr.sched_nice != INHERIT_NICE)
		return 4;
	return 0;
}

static int child_inherited(void *arg)
{
	return check_inherited();
}

static void *thread_inherited(void *arg)
{
	*(int *)arg = check_inherited();
	return NULL;
}

static int child_exec(void *arg)
{
	execl("/proc/self/exe", (const char *)arg, "--check-inherited", (char *)NULL);
	return 100;
}

/* Children, threads and exec'd programs keep the policy and its parameters. */
TEST(inherit_fork_thread_exec)
{
	pthread_t thread;
	int ret = -1;

	if (!have_sched_random())
		SKIP(return, NO_SCHED_RANDOM);
	ASSERT_EQ(0, set_random(INHERIT_NICE, INHERIT_SLICE, true, INHERIT_MIN));
	ASSERT_EQ(0, check_inherited());
	EXPECT_EQ(0, in_child(child_inherited, NULL))
		TH_LOG("fork: 1 policy, 2 slice, 3 chaos mode, 4 nice lost");
	ASSERT_EQ(0, pthread_create(&thread, NULL, thread_inherited, &ret));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, ret)
		TH_LOG("thread: 1 policy, 2 slice, 3 chaos mode, 4 nice lost");
	EXPECT_EQ(0, in_child(child_exec, "sched_random_abi"))
		TH_LOG("exec: 1 policy, 2 slice, 3 chaos mode, 4 nice lost, 100 exec failed");
}

int main(int argc, char **argv)
{
	/* The program inherit_fork_thread_exec execs. */
	if (argc == 2 && !strcmp(argv[1], "--check-inherited"))
		return check_inherited();
	return test_harness_run(argc, argv);
}
