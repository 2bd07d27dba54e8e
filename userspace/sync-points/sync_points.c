// SPDX-License-Identifier: GPL-2.0
/*
 * libsr-sync-points.so: an LD_PRELOAD library that makes a program's
 * synchronisation calls scheduling decision points in SCHED_RANDOM's chaos
 * mode. Around pthread_mutex_*, pthread_rwlock_*, pthread_cond_*, sem_*,
 * pthread_create, pthread_join and sched_yield, a thread that runs under
 * SCHED_RANDOM in chaos mode (SCHED_FLAG_RANDOM_CHAOS) calls sched_yield()
 * with probability RATE: the kernel then draws anew which runnable task of
 * the CPU runs, so that a thread is stopped right before it takes a lock,
 * right after it releases one, between a signal and the waiter's wakeup.
 * Other threads (any other policy, or SCHED_RANDOM without chaos mode) only
 * pay for one sched_getattr() each.
 *
 * Where: before an operation that may block or acquire (lock, trylock,
 * wait, sem_wait, join), after one that releases or wakes (unlock,
 * signal, broadcast, sem_post, create), before and after a condition wait,
 * and in a new thread before its start routine and after it returns.
 *
 * The noise control (SR_SYNC_POINTS_NOISE=yield or sleep): the same points
 * and draws for every thread whatever its policy (SCHED_OTHER, say), each
 * decision a plain sched_yield(), or a sleep of 1 to SR_SYNC_POINTS_SLEEP_US
 * microseconds, as noise injectors (IBM's ConTest) do: what the points do
 * without the class's uniform draw behind the yield.
 *
 * Environment:
 *   SR_SYNC_POINTS_RATE   probability of a yield per point, 0 to 1 (default 0.5)
 *   SR_SYNC_POINTS_SEED   seed of the threads' random streams; by default
 *                         kernel.sched_random_seed when it is set (so that a
 *                         seeded hunt run draws the same yields), else random
 *   SR_SYNC_POINTS_STATS  if set, print the counts on stderr at exit
 *   SR_SYNC_POINTS_NOISE  yield or sleep: the noise control (above)
 *   SR_SYNC_POINTS_SLEEP_US  the longest sleep of the sleep noise (default 100)
 *
 * Built by scripts/run-in (--sync-points) with cc into out/sync-points/.
 * Only dynamically linked programs load it; glibc's own internal locks
 * (stdio, malloc) do not go through these symbols.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SCHED_RANDOM 8
#define SCHED_FLAG_RANDOM_CHAOS 0x80
#define SEED_SYSCTL "/proc/sys/kernel/sched_random_seed"

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* struct sched_attr, SCHED_ATTR_SIZE_VER1. */
struct sr_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

/* A yield when a 32-bit draw is below this: RATE * 2^32, or always. */
static uint64_t threshold = 1ull << 31;
static uint64_t seed;
static atomic_uint_fast64_t threads, points, yields;
static int stats;
/* 0: chaos-mode threads only; NOISE_YIELD, NOISE_SLEEP: every thread. */
enum { NOISE_NONE, NOISE_YIELD, NOISE_SLEEP };
static int noise;
static uint64_t sleep_us = 100;

/* Per thread: 0 not yet known, 1 chaos mode, 2 not; its random stream. */
static TLS int mode;
static TLS uint64_t rng;

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int in_chaos_mode(void)
{
	struct sr_sched_attr a;

	if (mode == 0) {
		memset(&a, 0, sizeof(a));
		mode = 2;
		if (noise != NOISE_NONE)
			mode = 1;
		else if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0 &&
			 a.sched_policy == SCHED_RANDOM && (a.sched_flags & SCHED_FLAG_RANDOM_CHAOS))
			mode = 1;
		/* The thread's own stream: the seed and its order of arrival. */
		rng = splitmix(seed ^ splitmix(atomic_fetch_add(&threads, 1) + 1));
	}
	return mode == 1;
}

/* The decision point. */
static void point(void)
{
	uint64_t draw;

	if (!in_chaos_mode())
		return;
	atomic_fetch_add_explicit(&points, 1, memory_order_relaxed);
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	draw = rng >> 32;
	if (draw < threshold) {
		atomic_fetch_add_explicit(&yields, 1, memory_order_relaxed);
		if (noise == NOISE_SLEEP) {
			/* 1 to sleep_us us, from the low bits of the same draw. */
			uint64_t us = 1 + (rng & 0xffffffff) % sleep_us;
			struct timespec ts = { .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };

			syscall(SYS_nanosleep, &ts, NULL);
		} else {
			syscall(SYS_sched_yield);
		}
	}
}

static uint64_t read_seed_sysctl(void)
{
	char buf[32];
	ssize_t n;
	int fd = open(SEED_SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

static void report(void)
{
	fprintf(stderr, "sync-points: pid %d: %llu decision points in %llu threads, %llu %s\n",
		(int)getpid(), (unsigned long long)atomic_load(&points),
		(unsigned long long)atomic_load(&threads), (unsigned long long)atomic_load(&yields),
		noise == NOISE_SLEEP ? "sleeps" : "yields");
}

__attribute__((constructor)) static void sync_points_init(void)
{
	const char *r = getenv("SR_SYNC_POINTS_RATE");
	const char *s = getenv("SR_SYNC_POINTS_SEED");
	const char *n = getenv("SR_SYNC_POINTS_NOISE");
	const char *us = getenv("SR_SYNC_POINTS_SLEEP_US");
	char *end;

	if (r && *r) {
		double rate = strtod(r, &end);

		if (*end || !(rate >= 0 && rate <= 1)) {
			fprintf(stderr, "sync-points: SR_SYNC_POINTS_RATE='%s' is not 0 to 1; using 0.5\n", r);
			rate = 0.5;
		}
		threshold = rate >= 1 ? 1ull << 32 : (uint64_t)(rate * 4294967296.0);
	}
	if (s && *s)
		seed = strtoull(s, NULL, 10);
	else
		seed = read_seed_sysctl();
	if (!seed && getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	if (n && *n) {
		if (!strcmp(n, "yield"))
			noise = NOISE_YIELD;
		else if (!strcmp(n, "sleep"))
			noise = NOISE_SLEEP;
		else
			fprintf(stderr, "sync-points: SR_SYNC_POINTS_NOISE='%s' is not yield or sleep; ignored\n", n);
	}
	if (us && *us) {
		unsigned long long v = strtoull(us, &end, 10);

		if (*end || v < 1 || v > 1000000)
			fprintf(stderr, "sync-points: SR_SYNC_POINTS_SLEEP_US='%s' is not 1 to 1000000; using 100\n", us);
		else
			sleep_us = v;
	}
	stats = getenv("SR_SYNC_POINTS_STATS") != NULL;
	if (stats)
		atexit(report);
}

/* The next definition of NAME (glibc's), looked up once. */
#define REAL(name)                                                            \
	static __typeof__(name) *real;                                        \
	if (!real) {                                                          \
		real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);           \
		if (!real)                                                    \
			abort();                                              \
	}

/*
 * pthread_cond_* has two versions on x86_64; dlsym() may find the old
 * (GLIBC_2.2.5, pre-NPTL condvar) one. The programs built today use
 * GLIBC_2.3.2.
 */
#define REAL_COND(name)                                                       \
	static __typeof__(name) *real;                                        \
	if (!real) {                                                          \
		real = (__typeof__(name) *)dlvsym(RTLD_NEXT, #name, "GLIBC_2.3.2"); \
		if (!real)                                                    \
			real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);   \
		if (!real)                                                    \
			abort();                                              \
	}

#define BEFORE(name, proto, args)                                             \
	EXPORT int name proto                                                 \
	{                                                                     \
		REAL(name);                                                   \
		point();                                                      \
		return real args;                                             \
	}

#define AFTER(name, proto, args)                                              \
	EXPORT int name proto                                                 \
	{                                                                     \
		int ret;                                                      \
		REAL(name);                                                   \
		ret = real args;                                              \
		point();                                                      \
		return ret;                                                   \
	}

BEFORE(pthread_mutex_lock, (pthread_mutex_t *m), (m))
BEFORE(pthread_mutex_trylock, (pthread_mutex_t *m), (m))
BEFORE(pthread_mutex_timedlock, (pthread_mutex_t *restrict m, const struct timespec *restrict t), (m, t))
AFTER(pthread_mutex_unlock, (pthread_mutex_t *m), (m))

BEFORE(pthread_rwlock_rdlock, (pthread_rwlock_t *l), (l))
BEFORE(pthread_rwlock_wrlock, (pthread_rwlock_t *l), (l))
BEFORE(pthread_rwlock_tryrdlock, (pthread_rwlock_t *l), (l))
BEFORE(pthread_rwlock_trywrlock, (pthread_rwlock_t *l), (l))
BEFORE(pthread_rwlock_timedrdlock, (pthread_rwlock_t *restrict l, const struct timespec *restrict t), (l, t))
BEFORE(pthread_rwlock_timedwrlock, (pthread_rwlock_t *restrict l, const struct timespec *restrict t), (l, t))
AFTER(pthread_rwlock_unlock, (pthread_rwlock_t *l), (l))

EXPORT int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	int ret;

	REAL_COND(pthread_cond_wait);
	point();
	ret = real(c, m);
	point();
	return ret;
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
				  const struct timespec *restrict t)
{
	int ret;

	REAL_COND(pthread_cond_timedwait);
	point();
	ret = real(c, m, t);
	point();
	return ret;
}

EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	int ret;

	REAL_COND(pthread_cond_signal);
	ret = real(c);
	point();
	return ret;
}

EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	int ret;

	REAL_COND(pthread_cond_broadcast);
	ret = real(c);
	point();
	return ret;
}

BEFORE(sem_wait, (sem_t *s), (s))
BEFORE(sem_trywait, (sem_t *s), (s))
BEFORE(sem_timedwait, (sem_t *restrict s, const struct timespec *restrict t), (s, t))
AFTER(sem_post, (sem_t *s), (s))

/*
 * A new thread meets a point before its start routine runs and after it
 * returns: a decision at thread start lets the creator, or a thread
 * created before, go on first (the creator meets one after
 * pthread_create() returns).
 */
struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *start_thread(void *p)
{
	struct start s = *(struct start *)p;
	void *ret;

	free(p);
	point();
	ret = s.fn(s.arg);
	point();
	return ret;
}

EXPORT int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict a, void *(*f)(void *),
			  void *restrict arg)
{
	struct start *s;
	int ret;

	REAL(pthread_create);
	s = malloc(sizeof(*s));
	if (!s)
		return real(t, a, f, arg);
	s->fn = f;
	s->arg = arg;
	ret = real(t, a, start_thread, s);
	if (ret)
		free(s);
	point();
	return ret;
}
BEFORE(pthread_join, (pthread_t t, void **ret), (t, ret))

EXPORT int sched_yield(void)
{
	/* The program's own yield is a decision point already; count it. */
	if (in_chaos_mode())
		atomic_fetch_add_explicit(&points, 1, memory_order_relaxed);
	return (int)syscall(SYS_sched_yield);
}
