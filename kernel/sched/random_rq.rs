// SPDX-License-Identifier: GPL-2.0

//! SCHED_RANDOM run queue and pick policy.
//!
//! Every CPU has a `struct random_rq` (embedded in its `struct rq`) that holds
//! the CPU's runnable SCHED_RANDOM tasks, the running one included, on an
//! intrusive circular list of the `struct sched_random_entity` embedded in
//! each `task_struct`. This file owns that list and every decision made from
//! it: which task runs next, when a slice ends, what a yield means and which
//! task a CPU may pull. The C class in `kernel/sched/random.c` owns everything
//! that touches `struct rq` (locking, `nr_running`, clocks, migration) and
//! calls in here; the interface is `include/linux/sched/random.h`.
//!
//! Scheduler hooks run with the rq lock (a raw spinlock) held and interrupts
//! disabled, so nothing here allocates, sleeps, prints or panics, and all
//! arithmetic on counters wraps.
//!
//! # Randomness
//!
//! Picks draw from `sched_random_u32()`, which returns `sched_rng()`: the
//! scheduler's per-CPU prandom state, seeded from the kernel CRNG
//! (`get_random_bytes()`) at boot. `get_random_u32()` itself cannot be used
//! here: it takes a `local_lock_t` and may take a `spinlock_t`, both of which
//! sleep on PREEMPT_RT and are invalid inside a raw spinlock (lockdep reports
//! it with `CONFIG_PROVE_RAW_LOCK_NESTING`). The per-CPU state is only used
//! with interrupts disabled, so it needs no lock of its own. Bounded values
//! come from [`uniform`], which has no modulo bias.

use core::ptr;
use kernel::bindings::{self, list_head, random_rq, sched_random_entity, task_struct};

/// Draws a value uniformly from `0..n` with `next` as the source of 32-bit
/// random words, without modulo bias (Lemire's multiply-and-reject method).
///
/// Returns 0 when `n` is 0 or 1. The expected number of draws is less than
/// two for every `n`.
fn uniform(n: u32, mut next: impl FnMut() -> u32) -> u32 {
    if n <= 1 {
        return 0;
    }
    let mut m = u64::from(next()) * u64::from(n);
    if (m as u32) < n {
        // Reject the low products that would make some results more likely:
        // 2^32 mod n of them.
        let threshold = n.wrapping_neg() % n;
        while (m as u32) < threshold {
            m = u64::from(next()) * u64::from(n);
        }
    }
    (m >> 32) as u32
}

/// A uniformly distributed value in `0..n` (0 when `n` is 0) from the
/// scheduler's per-CPU generator.
///
/// Callable from any context with preemption disabled.
#[no_mangle]
pub extern "C" fn random_uniform(n: u32) -> u32 {
    // SAFETY: `sched_random_u32()` only advances this CPU's prandom state;
    // every caller of this function runs with preemption disabled (under the
    // rq lock or `p->pi_lock`), as `this_cpu_ptr()` requires.
    uniform(n, || unsafe { bindings::sched_random_u32() })
}

/// Returns the task that embeds the run-queue link `node`.
///
/// # Safety
///
/// `node` must point to the `random.run_node` field of a live `task_struct`.
unsafe fn task_of(node: *mut list_head) -> *mut task_struct {
    // SAFETY: by the caller's guarantee `node` is `random.run_node` inside a
    // `task_struct`, so stepping back by the field offsets stays inside it.
    unsafe {
        node.cast::<u8>()
            .sub(core::mem::offset_of!(task_struct, random))
            .sub(core::mem::offset_of!(sched_random_entity, run_node))
            .cast::<task_struct>()
    }
}

/// Returns the run-queue link of task `p`.
///
/// # Safety
///
/// `p` must point to a live `task_struct`.
unsafe fn node_of(p: *mut task_struct) -> *mut list_head {
    // SAFETY: `p` is valid, so taking the address of a field is in bounds.
    unsafe { ptr::addr_of_mut!((*p).random.run_node) }
}

/// A CPU's run queue, borrowed for the duration of one call.
///
/// # Invariants
///
/// `self.0` points to a `struct random_rq` whose rq lock is held by the
/// caller for the lifetime of the value. `queue` is a well-formed circular
/// list of `nr_queued` `random.run_node` links of live tasks.
struct RunQueue(*mut random_rq);

impl RunQueue {
    /// # Safety
    ///
    /// `rrq` must point to an initialised `struct random_rq` whose rq lock
    /// the caller holds until the returned value is dropped.
    unsafe fn new(rrq: *mut random_rq) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self(rrq)
    }

    fn head(&self) -> *mut list_head {
        // SAFETY: by the type invariant `self.0` is valid.
        unsafe { ptr::addr_of_mut!((*self.0).queue) }
    }

    fn nr_queued(&self) -> u32 {
        // SAFETY: by the type invariant `self.0` is valid; writers hold the
        // lock we hold.
        unsafe { (*self.0).nr_queued }
    }

    fn set_nr_queued(&mut self, n: u32) {
        // SAFETY: by the type invariant `self.0` is valid and we hold its
        // lock. The volatile store pairs with the `READ_ONCE()` of lockless
        // readers in kernel/sched/random.c (`WRITE_ONCE()` semantics).
        unsafe { ptr::write_volatile(ptr::addr_of_mut!((*self.0).nr_queued), n) }
    }

    /// Appends `p` to the queue; returns `false` (and changes nothing) if it
    /// is queued already.
    ///
    /// # Safety
    ///
    /// `p` must be a live task whose `random.run_node` is either self-linked
    /// or on this queue.
    unsafe fn push(&mut self, p: *mut task_struct) -> bool {
        // SAFETY: `p` is live (caller).
        let node = unsafe { node_of(p) };
        let head = self.head();
        // SAFETY: `node` is a valid link (caller); the head and its `prev`
        // are valid by the type invariant.
        unsafe {
            if (*node).next != node {
                return false;
            }
            let prev = (*head).prev;
            (*node).next = head;
            (*node).prev = prev;
            (*prev).next = node;
            (*head).prev = node;
        }
        // INVARIANT: one more link on the list, one more in the count.
        self.set_nr_queued(self.nr_queued().wrapping_add(1));
        true
    }

    /// Unlinks `p`; returns `false` (and changes nothing) if it is not
    /// queued or its neighbours do not point back at it (corruption).
    ///
    /// # Safety
    ///
    /// `p` must be a live task whose `random.run_node` is either self-linked
    /// or on this queue.
    unsafe fn remove(&mut self, p: *mut task_struct) -> bool {
        // SAFETY: `p` is live (caller).
        let node = unsafe { node_of(p) };
        // SAFETY: `node` is a valid link (caller) and, when queued, so are
        // its neighbours (type invariant). The checks mirror DEBUG_LIST.
        unsafe {
            let (prev, next) = ((*node).prev, (*node).next);
            if next == node || (*prev).next != node || (*next).prev != node {
                return false;
            }
            (*prev).next = next;
            (*next).prev = prev;
            (*node).next = node;
            (*node).prev = node;
            if (*self.0).skip == p {
                (*self.0).skip = ptr::null_mut();
            }
        }
        // INVARIANT: one link fewer on the list, one fewer in the count.
        self.set_nr_queued(self.nr_queued().wrapping_sub(1));
        true
    }

    /// Returns the `k`-th queued task (0-based) other than `skip`, or null
    /// if there are not that many.
    fn nth(&self, k: u32, skip: *mut task_struct) -> *mut task_struct {
        let head = self.head();
        let mut i = 0u32;
        // SAFETY: the list is well formed (type invariant), so every link up
        // to the head is a queued task's `random.run_node`.
        unsafe {
            let mut node = (*head).next;
            while node != head {
                let p = task_of(node);
                if p != skip {
                    if i == k {
                        return p;
                    }
                    i = i.wrapping_add(1);
                }
                node = (*node).next;
            }
        }
        ptr::null_mut()
    }

    /// Uniform pick among the queued tasks, avoiding a task that yielded
    /// when there is any other.
    fn pick(&self) -> *mut task_struct {
        let n = self.nr_queued();
        if n == 0 {
            return ptr::null_mut();
        }
        // SAFETY: by the type invariant `self.0` is valid and locked.
        let skip = unsafe { (*self.0).skip };
        let (candidates, skip) = if n > 1 && !skip.is_null() {
            (n - 1, skip)
        } else {
            (n, ptr::null_mut())
        };
        self.nth(random_uniform(candidates), skip)
    }
}

/// Initialises an empty run queue.
///
/// # Safety
///
/// `rrq` must be valid for writes and not in use by any other CPU.
#[no_mangle]
pub unsafe extern "C" fn random_rq_init(rrq: *mut random_rq) {
    // SAFETY: `rrq` is valid and exclusively ours (caller).
    unsafe {
        let head = ptr::addr_of_mut!((*rrq).queue);
        (*head).next = head;
        (*head).prev = head;
        (*rrq).nr_queued = 0;
        (*rrq).skip = ptr::null_mut();
        (*rrq).nr_picks = 0;
        (*rrq).nr_pulled = 0;
        (*rrq).nr_kicks = 0;
    }
}

/// Initialises the SCHED_RANDOM part of a new task (not queued).
///
/// # Safety
///
/// `rse` must be valid for writes and not on any queue.
#[no_mangle]
pub unsafe extern "C" fn random_entity_init(rse: *mut sched_random_entity) {
    // SAFETY: `rse` is valid and not linked anywhere (caller).
    unsafe {
        let node = ptr::addr_of_mut!((*rse).run_node);
        (*node).next = node;
        (*node).prev = node;
        (*rse).slice_start = 0;
    }
}

/// Queues `p`. Returns `false` if it was queued already (a bug in the
/// caller; the queue is left unchanged).
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`; `p` is a live task that is not on
/// another CPU's queue.
#[no_mangle]
pub unsafe extern "C" fn random_rq_enqueue(rrq: *mut random_rq, p: *mut task_struct) -> bool {
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
    // SAFETY: `p` is live and on no other queue (caller).
    unsafe { rq.push(p) }
}

/// Removes `p`. Returns `false` if it was not queued or its links are
/// corrupted (the queue is left unchanged).
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`; `p` is a live task that is not on
/// another CPU's queue.
#[no_mangle]
pub unsafe extern "C" fn random_rq_dequeue(rrq: *mut random_rq, p: *mut task_struct) -> bool {
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
    // SAFETY: `p` is live and on no other queue (caller).
    unsafe { rq.remove(p) }
}

/// Picks the next task to run: uniformly at random among the queued tasks,
/// except that a task that just yielded is avoided when there is another.
/// Each pick is independent of the previous ones. Returns null when the
/// queue is empty. The queue is not modified; only the pick counter and the
/// generator state advance.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`.
#[no_mangle]
pub unsafe extern "C" fn random_rq_pick(rrq: *mut random_rq) -> *mut task_struct {
    // SAFETY: the rq lock is held (caller).
    let rq = unsafe { RunQueue::new(rrq) };
    let p = rq.pick();
    if !p.is_null() {
        // SAFETY: `rrq` is valid and locked (caller).
        unsafe { (*rrq).nr_picks = (*rrq).nr_picks.wrapping_add(1) };
    }
    p
}

/// Records that `curr` yielded: the next pick avoids it if it can.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq` and `curr` is its running task.
#[no_mangle]
pub unsafe extern "C" fn random_rq_yield(rrq: *mut random_rq, curr: *mut task_struct) {
    // SAFETY: `rrq` is valid and locked (caller).
    unsafe { (*rrq).skip = curr };
}

/// Starts a new time slice for `p`, which is about to run: the yield mark
/// has served its pick and is dropped.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq` and `p` is the task it will run.
#[no_mangle]
pub unsafe extern "C" fn random_rq_start_slice(rrq: *mut random_rq, p: *mut task_struct) {
    // SAFETY: `rrq` and `p` are valid and locked (caller).
    unsafe {
        (*rrq).skip = ptr::null_mut();
        (*p).random.slice_start = (*p).se.sum_exec_runtime;
    }
}

/// Accounts a tick to the running task `p`. Returns `true` when its slice
/// of `slice_ns` of CPU time is used up: a new pick is due, and `p` starts
/// a new slice in case it is picked again.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`, `p` is its running task and its
/// runtime has just been updated.
#[no_mangle]
pub unsafe extern "C" fn random_rq_tick(
    rrq: *mut random_rq,
    p: *mut task_struct,
    slice_ns: u64,
) -> bool {
    // SAFETY: `p` is valid and locked (caller).
    let (now, start) = unsafe { ((*p).se.sum_exec_runtime, (*p).random.slice_start) };
    if now.wrapping_sub(start) < slice_ns {
        return false;
    }
    // SAFETY: as above.
    unsafe { random_rq_start_slice(rrq, p) };
    true
}

/// Chooses a task that CPU `dst_cpu` may pull from this queue: one that is
/// not running, may migrate and is allowed on `dst_cpu`. Candidates are
/// tried starting at a random position, so repeated pulls do not always
/// take the same task. Returns null if there is none.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`.
#[no_mangle]
pub unsafe extern "C" fn random_rq_pick_pullable(
    rrq: *mut random_rq,
    dst_cpu: core::ffi::c_int,
) -> *mut task_struct {
    // SAFETY: the rq lock is held (caller).
    let rq = unsafe { RunQueue::new(rrq) };
    let n = rq.nr_queued();
    let head = rq.head();
    let first = rq.nth(random_uniform(n), ptr::null_mut());
    if first.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `first` is queued here, so live.
    let mut node = unsafe { node_of(first) };
    for _ in 0..n {
        // SAFETY: the list is well formed (type invariant): following `next`
        // from a queued link visits the other links and the head, each of
        // them valid; every link but the head is a live queued task's.
        unsafe {
            if node == head {
                node = (*node).next;
            }
            let p = task_of(node);
            if bindings::sched_random_can_migrate(p, dst_cpu) {
                return p;
            }
            node = (*node).next;
        }
    }
    ptr::null_mut()
}

// The definitions above must match the prototypes in
// include/linux/sched/random.h that C calls them by: each pair below only
// type-checks if the Rust and the bindgen-generated C signatures agree.
const _: [unsafe extern "C" fn(*mut random_rq); 2] = [random_rq_init, bindings::random_rq_init];
const _: [unsafe extern "C" fn(*mut sched_random_entity); 2] =
    [random_entity_init, bindings::random_entity_init];
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct) -> bool; 4] = [
    random_rq_enqueue,
    bindings::random_rq_enqueue,
    random_rq_dequeue,
    bindings::random_rq_dequeue,
];
const _: [unsafe extern "C" fn(*mut random_rq) -> *mut task_struct; 2] =
    [random_rq_pick, bindings::random_rq_pick];
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct); 4] = [
    random_rq_yield,
    bindings::random_rq_yield,
    random_rq_start_slice,
    bindings::random_rq_start_slice,
];
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct, u64) -> bool; 2] =
    [random_rq_tick, bindings::random_rq_tick];
const _: [unsafe extern "C" fn(*mut random_rq, core::ffi::c_int) -> *mut task_struct; 2] =
    [random_rq_pick_pullable, bindings::random_rq_pick_pullable];
const _: [unsafe extern "C" fn(u32) -> u32; 2] = [random_uniform, bindings::random_uniform];
