// SPDX-License-Identifier: GPL-2.0

//! The `mycall()` system call, implemented in Rust.
//!
//! `long mycall(int a, int b, int __user *sum)` stores `a + b` in `*sum` and
//! returns 0. The entry point, `sys_mycall()`, is a `SYSCALL_DEFINE3()` in
//! `kernel/sys_mycall.c`, so that syscall tracing, audit and seccomp see it
//! like any other system call; it calls [`rust_mycall`] below.
//!
//! See `Documentation/userspace-api/mycall.rst` for the ABI.

use core::ffi::{c_int, c_long};
use kernel::{
    error::{code::EFAULT, Error, Result},
    page::PAGE_MASK,
    uaccess::{UserPtr, UserSlice},
};

/// Prefix for the `pr_*!` macros (a built-in object has no `module!`).
const __LOG_PREFIX: &[u8] = b"mycall\0";

/// Size of the C `int` that `sum` points to.
const SUM_SIZE: usize = core::mem::size_of::<c_int>();

/// Computes `a + b`, or `EOVERFLOW` if the sum does not fit in an `int`.
fn checked_sum(a: c_int, b: c_int) -> Result<c_int> {
    a.checked_add(b)
        .ok_or_else(|| Error::from_errno(-(kernel::bindings::EOVERFLOW as c_int)))
}

/// Writes `value` to the user `int` at `ptr`, all or nothing for the usual
/// failure modes.
///
/// `copy_to_user()` may copy a prefix before it faults. For an `int` that
/// straddles a page boundary, the bytes on the second page are therefore
/// written first: when that page is unmapped or read-only (the mapping ends
/// there), the call fails with `EFAULT` before any byte changes. An aligned
/// `int` never straddles, and a bad address inside a single page faults on
/// the first byte.
fn put_user_int(ptr: UserPtr, value: c_int) -> Result {
    let bytes = value.to_ne_bytes();
    let end = ptr.checked_add(SUM_SIZE - 1).ok_or(EFAULT)?;
    let split = if ptr & PAGE_MASK == end & PAGE_MASK {
        SUM_SIZE
    } else {
        (end & PAGE_MASK) - ptr
    };

    if split < SUM_SIZE {
        UserSlice::new(ptr + split, SUM_SIZE - split)
            .writer()
            .write_slice(&bytes[split..])?;
    }
    UserSlice::new(ptr, split)
        .writer()
        .write_slice(&bytes[..split])
}

/// The system call proper.
///
/// Kept out of line so that it has a frame of its own: a debugger that
/// breaks on `mycall::mycall` sees `a`, `b` and `sum` (inlined into
/// [`rust_mycall`], they are optimised out).
#[inline(never)]
fn mycall(a: c_int, b: c_int, sum: UserPtr) -> Result {
    kernel::pr_debug!("a = {}, b = {}\n", a, b);
    let value = checked_sum(a, b)?;
    put_user_int(sum, value)
}

/// Rust half of `sys_mycall()`: returns 0, `-EOVERFLOW` or `-EFAULT`.
///
/// Safe to call from any process context that may fault on user memory;
/// `sum` is a user address and is only accessed through [`UserSlice`], so an
/// invalid value gives `-EFAULT` rather than undefined behaviour.
#[no_mangle]
pub extern "C" fn rust_mycall(a: c_int, b: c_int, sum: UserPtr) -> c_long {
    match mycall(a, b, sum) {
        Ok(()) => 0,
        Err(e) => e.to_errno().into(),
    }
}
