// SPDX-License-Identifier: GPL-2.0
/*
 * mycall() system call entry point.
 *
 * The system call itself is implemented in Rust (kernel/mycall.rs). This
 * shim exists so that SYSCALL_DEFINE3() generates the usual entry point,
 * metadata for syscall tracepoints, and the audit and seccomp view of the
 * arguments.
 */

#include <linux/syscalls.h>

/* Implemented in kernel/mycall.rs. */
long rust_mycall(int a, int b, unsigned long sum);

SYSCALL_DEFINE3(mycall, int, a, int, b, int __user *, sum)
{
	return rust_mycall(a, b, (unsigned long)sum);
}
