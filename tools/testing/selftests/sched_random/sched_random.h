/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the SCHED_RANDOM selftests: raw sched_setattr() and
 * sched_getattr() (older C libraries have no wrappers), the policy's
 * constants where the installed uapi headers predate them, and a child
 * process for checks that must run without privilege.
 */
#ifndef __SCHED_RANDOM_SELFTEST_H
#define __SCHED_RANDOM_SELFTEST_H

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched/types.h>

#ifndef SCHED_RANDOM
#define SCHED_RANDOM			8
#endif
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK	0x01
#endif
#ifndef SCHED_FLAG_KEEP_POLICY
#define SCHED_FLAG_KEEP_POLICY		0x08
#endif
#ifndef SCHED_FLAG_KEEP_PARAMS
#define SCHED_FLAG_KEEP_PARAMS		0x10
#endif
#ifndef SCHED_FLAG_RANDOM_CHAOS
#define SCHED_FLAG_RANDOM_CHAOS		0x80
#endif

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL

/* Documentation/scheduler/sched-random.rst, "User-space interface". */
#define SLICE_MIN	(100 * NSEC_PER_USEC)	/* a task's own slice */
#define SLICE_MAX	(100 * NSEC_PER_MSEC)
#define SLICE_FLOOR	(1 * NSEC_PER_MSEC)	/* the sysctl's lowest value */
#define CHAOS_MIN	(10 * NSEC_PER_USEC)	/* the shortest chaos slice */

/* The uid and gid a child drops to: nobody, without capabilities. */
#define NOBODY		65534

static inline int sys_sched_setattr(pid_t pid, struct sched_attr *attr)
{
	attr->size = sizeof(*attr);
	return syscall(SYS_sched_setattr, pid, attr, 0);
}

static inline int sys_sched_getattr(pid_t pid, struct sched_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	return syscall(SYS_sched_getattr, pid, attr, sizeof(*attr), 0);
}

/*
 * sched_setattr() of the caller to SCHED_RANDOM with nice @nice, its own
 * slice @slice (0: the default) and, with @chaos, chaos mode with the
 * shortest slice @min (0: 10 us). Returns 0 or -errno.
 */
static inline int set_random(int nice, uint64_t slice, bool chaos, uint64_t min)
{
	struct sched_attr attr = {
		.sched_policy = SCHED_RANDOM,
		.sched_nice = nice,
		.sched_runtime = slice,
		.sched_period = min,
		.sched_flags = chaos ? SCHED_FLAG_RANDOM_CHAOS : 0,
	};

	return sys_sched_setattr(0, &attr) ? -errno : 0;
}

/* sched_setscheduler() of the caller; returns 0 or -errno. */
static inline int set_policy(int policy, int prio)
{
	struct sched_param param = { .sched_priority = prio };

	return sched_setscheduler(0, policy, &param) ? -errno : 0;
}

/* The caller's nice value, or -100 if getpriority() fails. */
static inline int get_nice(void)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	return errno ? -100 : nice;
}

/* Drops to uid and gid nobody, which clears every capability. */
static inline int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	return 0;
}

#define NO_SCHED_RANDOM	"no SCHED_RANDOM (CONFIG_SCHED_CLASS_RANDOM=n)"

/* Whether this kernel has SCHED_RANDOM: policy 8 has a priority range. */
static inline bool have_sched_random(void)
{
	return sched_get_priority_max(SCHED_RANDOM) == 0;
}

/*
 * Runs @fn(@arg) in a forked child and returns its exit code, or 255 + the
 * signal number if it was killed.
 */
static inline int in_child(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255 + WTERMSIG(status);
}

#endif /* __SCHED_RANDOM_SELFTEST_H */
