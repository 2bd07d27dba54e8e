// SPDX-License-Identifier: GPL-2.0
/*
 * mycall(), x86_64 system call 548, as Documentation/userspace-api/mycall.rst
 * describes it: long mycall(int a, int b, int *sum) stores a + b in *sum and
 * returns 0; EOVERFLOW when the sum does not fit in an int, EFAULT for a bad
 * pointer, and in both cases nothing is written. A kernel built without
 * CONFIG_MYCALL has no system call 548: every test then skips.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#ifndef __NR_mycall
#define __NR_mycall 548
#endif

#define SENTINEL 0x5a5a5a5a

/* mycall(a, b, sum): 0 or -errno. */
static long mycall(int a, int b, void *sum)
{
	return syscall(__NR_mycall, a, b, sum) ? -errno : 0;
}

/* Without CONFIG_MYCALL, 548 is not a system call. */
#define NO_MYCALL "mycall: no such system call (CONFIG_MYCALL=n)"

static bool have_mycall(void)
{
	int sum;

	return syscall(__NR_mycall, 0, 0, &sum) == 0;
}

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

TEST(sum)
{
	static const int cases[][3] = {
		{ 2, 3, 5 },
		{ -7, 3, -4 },
		{ 0, 0, 0 },
		{ INT_MAX, 0, INT_MAX },
		{ INT_MIN, 0, INT_MIN },
		{ INT_MAX, INT_MIN, -1 },
		{ INT_MAX - 5, 5, INT_MAX },
		{ INT_MIN + 5, -5, INT_MIN },
	};
	unsigned int i;
	int sum;

	if (!have_mycall())
		SKIP(return, NO_MYCALL);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		sum = SENTINEL;
		EXPECT_EQ(0, mycall(cases[i][0], cases[i][1], &sum))
			TH_LOG("mycall(%d, %d)", cases[i][0], cases[i][1]);
		EXPECT_EQ(cases[i][2], sum)
			TH_LOG("mycall(%d, %d)", cases[i][0], cases[i][1]);
	}
}

/* A sum that does not fit in an int: EOVERFLOW, and nothing written. */
TEST(overflow)
{
	static const int cases[][2] = {
		{ INT_MAX, 1 },
		{ 1, INT_MAX },
		{ INT_MIN, -1 },
		{ INT_MIN, INT_MIN },
		{ INT_MAX, INT_MAX },
	};
	unsigned int i;
	int sum;

	if (!have_mycall())
		SKIP(return, NO_MYCALL);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		sum = SENTINEL;
		EXPECT_EQ(-EOVERFLOW, mycall(cases[i][0], cases[i][1], &sum))
			TH_LOG("mycall(%d, %d)", cases[i][0], cases[i][1]);
		EXPECT_EQ(SENTINEL, sum)
			TH_LOG("mycall(%d, %d)", cases[i][0], cases[i][1]);
	}
}

TEST(efault_null_and_kernel)
{
	static const uintptr_t kernel[] = {
		0xffffffff81000000UL, 0xffff888000000000UL, UINTPTR_MAX - 1,
	};
	unsigned int i;

	if (!have_mycall())
		SKIP(return, NO_MYCALL);
	EXPECT_EQ(-EFAULT, mycall(2, 3, NULL));
	for (i = 0; i < ARRAY_SIZE(kernel); i++) {
		EXPECT_EQ(-EFAULT, mycall(2, 3, (void *)kernel[i]))
			TH_LOG("sum at %#lx", (unsigned long)kernel[i]);
	}
}

TEST(efault_unmapped_and_readonly)
{
	long psz = page_size();
	char *p;

	if (!have_mycall())
		SKIP(return, NO_MYCALL);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, psz));
	EXPECT_EQ(-EFAULT, mycall(2, 3, p + 16));

	p = mmap(NULL, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, mycall(2, 3, p + 64));
	EXPECT_EQ(0, *(int *)(p + 64));
	munmap(p, psz);
}

/*
 * An int at the end of a writable page that straddles into a page that is
 * not mapped or not writable: EFAULT, and the first page is not written.
 */
TEST(efault_straddle)
{
	static const int prots[] = { PROT_NONE, PROT_READ };
	long psz = page_size();
	uint16_t *tail;
	unsigned int i;
	char *p;

	if (!have_mycall())
		SKIP(return, NO_MYCALL);
	p = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	tail = (uint16_t *)(p + psz - 2);
	*tail = 0xa5a5;
	for (i = 0; i < ARRAY_SIZE(prots); i++) {
		ASSERT_EQ(0, mprotect(p + psz, psz, prots[i]));
		EXPECT_EQ(-EFAULT, mycall(2, 3, tail))
			TH_LOG("second page %s", prots[i] == PROT_NONE ? "PROT_NONE" : "read-only");
		EXPECT_EQ(0xa5a5, *tail)
			TH_LOG("second page %s", prots[i] == PROT_NONE ? "PROT_NONE" : "read-only");
	}
	munmap(p, 2 * psz);
}

/* Misaligned ints, one of them across two writable pages, are written. */
TEST(unaligned)
{
	long psz = page_size();
	long offsets[] = { 1, psz - 1, psz - 3 };
	unsigned int i;
	char *p;
	int v;

	if (!have_mycall())
		SKIP(return, NO_MYCALL);
	p = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		EXPECT_EQ(0, mycall(40, 2, p + offsets[i]))
			TH_LOG("offset %ld", offsets[i]);
		memcpy(&v, p + offsets[i], sizeof(v));
		EXPECT_EQ(42, v)
			TH_LOG("offset %ld", offsets[i]);
	}
	munmap(p, 2 * psz);
}

TEST_HARNESS_MAIN
