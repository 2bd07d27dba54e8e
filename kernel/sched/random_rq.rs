// SPDX-License-Identifier: GPL-2.0

//! SCHED_RANDOM run queue and pick policy.
//!
//! Every CPU has a `struct random_rq` (embedded in its `struct rq`) that holds
//! the CPU's runnable SCHED_RANDOM tasks, the running one included. This file
//! owns that queue and every decision made from it:
//! which task runs next, when a slice ends, what a yield means and which task
//! a CPU may pull. The C class in `kernel/sched/random.c` owns everything that
//! touches `struct rq` (locking, `nr_running`, clocks, balancing between CPUs
//! in `kernel/sched/random_balance.c`) and calls in here; the interface is
//! `kernel/sched/random.h`, private to `kernel/sched/`.
//!
//! Scheduler hooks run with the rq lock (a raw spinlock) held and interrupts
//! disabled, so nothing here allocates, sleeps, prints or panics, and all
//! arithmetic on counters wraps.
//!
//! # The queue
//!
//! A uniform pick needs "the k-th queued task" for a random k. The queue is a
//! dense array of task pointers (`random_rq.slots`), each task knowing its
//! index (`sched_random_entity.slot`): the k-th task is one load, a new task
//! is appended and a leaving one is replaced by the last, so enqueue, dequeue
//! and pick take O(1) steps. The position of a task carries no meaning.
//!
//! The hooks hold a raw spinlock and cannot allocate, so the array is grown
//! by C from process context ([`random_rq_adopt_slots`]), as soon as the
//! queue fills three quarters of it. Tasks queued before the array has room
//! go to an overflow: an intrusive treap of the `struct sched_random_entity`
//! embedded in each task, whose nodes count the nodes of their subtree, so
//! that its k-th task is one walk from the root and insertion and removal
//! rebalance with rotations driven by random priorities (a max-heap on them):
//! O(log n) expected steps, no allocation. Position k of the queue is
//! `slots[k]` below `nr_slots`, and the treap's (k - nr_slots)-th task above.
//! The treap is used only while the array is full: a task that leaves the
//! array makes room for one from the treap, and a grown array takes them all.
//! Each CPU starts with no array, so its first tasks go through the treap.
//!
//! # Randomness
//!
//! Decisions (which task runs next, and in chaos mode how long its slice is
//! and whether a wakeup changes the running task) draw from the CPU's own
//! seedable generator, in `struct random_rq`: see `random_chaos.rs`. Each is
//! reported by the `sched_random:sched_random_decision` tracepoint.
//!
//! Everything else (overflow treap priorities, where a pull starts looking,
//! placement ties in C) draws from `sched_random_u32()`, which returns
//! `sched_rng()`: the scheduler's per-CPU prandom state, seeded from the
//! kernel CRNG (`get_random_bytes()`) at boot (by `sched_init_smp()`, or by
//! random.c on a UP kernel). `get_random_u32()` itself cannot be used here:
//! it takes a `local_lock_t` and may take a `spinlock_t`, both of which sleep
//! on PREEMPT_RT and are invalid inside a raw spinlock (lockdep reports it
//! with `CONFIG_PROVE_RAW_LOCK_NESTING`). `sched_random_u32()` disables
//! preemption around its use of the per-CPU state, so it may be called from
//! any context; its callers hold an rq lock or `p->pi_lock` anyway. Bounded
//! values come from [`uniform`], which has no modulo bias and never loops
//! without bound, whatever the generator returns.

use core::ptr;
use kernel::bindings::{self, random_rq, sched_random_entity, task_struct};

#[path = "random_chaos.rs"]
mod chaos;

/// How many products [`uniform`] rejects at most before it takes one. A
/// working generator needs a second draw with probability below 2^-32 * n
/// and an eighth one practically never; a broken one (an unseeded, all-zero
/// state returns 0 forever) must not make a pick spin under the rq lock.
const UNIFORM_MAX_REJECTS: u32 = 8;

/// Draws a value uniformly from `0..n` with `next` as the source of 32-bit
/// random words, without modulo bias (Lemire's multiply-and-reject method).
///
/// Returns 0 when `n` is 0 or 1. The expected number of draws is less than
/// two for every `n`, and there are never more than
/// `1 + UNIFORM_MAX_REJECTS`.
fn uniform(n: u32, mut next: impl FnMut() -> u32) -> u32 {
    if n <= 1 {
        return 0;
    }
    let mut m = u64::from(next()) * u64::from(n);
    if (m as u32) < n {
        // Reject the low products that would make some results more likely:
        // 2^32 mod n of them.
        let threshold = n.wrapping_neg() % n;
        let mut rejects = 0;
        while (m as u32) < threshold && rejects < UNIFORM_MAX_REJECTS {
            m = u64::from(next()) * u64::from(n);
            rejects += 1;
        }
    }
    (m >> 32) as u32
}

/// A uniformly distributed value in `0..n` (0 when `n` is 0) from the
/// scheduler's per-CPU generator. Callable from any context.
#[no_mangle]
pub extern "C" fn random_uniform(n: u32) -> u32 {
    // SAFETY: `sched_random_u32()` has no precondition: it disables
    // preemption around its use of this CPU's generator state.
    uniform(n, || unsafe { bindings::sched_random_u32() })
}

type Node = sched_random_entity;

/// Returns the task that embeds the run-queue node `node`.
///
/// # Safety
///
/// `node` must point to the `random` field of a live `task_struct`.
unsafe fn task_of(node: *mut Node) -> *mut task_struct {
    // SAFETY: by the caller's guarantee `node` is the `random` field of a
    // `task_struct`, so stepping back by its offset stays inside it.
    unsafe {
        node.cast::<u8>()
            .sub(core::mem::offset_of!(task_struct, random))
            .cast::<task_struct>()
    }
}

/// Returns the run-queue node of task `p`.
///
/// # Safety
///
/// `p` must point to a live `task_struct`.
unsafe fn node_of(p: *mut task_struct) -> *mut Node {
    // SAFETY: `p` is valid, so taking the address of a field is in bounds.
    unsafe { ptr::addr_of_mut!((*p).random) }
}

/// Number of nodes in the subtree rooted at `n` (0 for none).
///
/// # Safety
///
/// `n` is null or a node of a well-formed tree whose lock the caller holds.
unsafe fn size(n: *mut Node) -> u32 {
    if n.is_null() {
        0
    } else {
        // SAFETY: non-null, so a valid node (caller).
        unsafe { (*n).size }
    }
}

/// Recomputes the subtree size of `n` from its children.
///
/// # Safety
///
/// `n` is a node of a locked tree whose children have correct sizes.
unsafe fn update(n: *mut Node) {
    // SAFETY: `n` and its children are valid nodes (caller).
    unsafe {
        (*n).size = size((*n).left)
            .wrapping_add(size((*n).right))
            .wrapping_add(1)
    };
}

/// A CPU's run queue, borrowed for the duration of one call.
///
/// # Invariants
///
/// `self.0` points to a `struct random_rq` whose rq lock is held by the
/// caller for the lifetime of the value. `slots` is null (and `slots_cap` 0)
/// or an array of `slots_cap` task pointers whose first `nr_slots` are live
/// tasks, the task at index i with `slot` = i + 1 (every other task has
/// `slot` 0). `root` is null or the root of a treap, empty unless
/// `nr_slots == slots_cap`, of nodes that are each the `random` field of a
/// live task, with correct `parent` links, `size` = nodes in its subtree (so
/// non-zero exactly for tasks in the treap) and `prio` no greater than its
/// parent's. `nr_queued` = `nr_slots` + the treap's size.
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

    fn root(&self) -> *mut Node {
        // SAFETY: by the type invariant `self.0` is valid and locked.
        unsafe { (*self.0).root }
    }

    fn nr_slots(&self) -> u32 {
        // SAFETY: by the type invariant `self.0` is valid and locked.
        unsafe { (*self.0).nr_slots }
    }

    fn slots_cap(&self) -> u32 {
        // SAFETY: by the type invariant `self.0` is valid and locked.
        unsafe { (*self.0).slots_cap }
    }

    /// The task at index `i` of the array.
    ///
    /// # Safety
    ///
    /// `i` must be below `nr_slots`.
    unsafe fn slot(&self, i: u32) -> *mut task_struct {
        // SAFETY: `i < nr_slots <= slots_cap` (caller, type invariant), so
        // the read is inside the array.
        unsafe { *(*self.0).slots.add(i as usize) }
    }

    /// Appends `p` to the array if it has room; returns whether it did.
    ///
    /// # Safety
    ///
    /// `p` must be a live task that is in neither the array nor the treap
    /// of any run queue.
    unsafe fn slots_push(&mut self, p: *mut task_struct) -> bool {
        // SAFETY: `self.0` is valid and locked (type invariant); the write
        // is at index `nr_slots < slots_cap`, inside the array; `p` is live
        // (caller).
        unsafe {
            let rrq = self.0;
            let n = (*rrq).nr_slots;
            if n >= (*rrq).slots_cap {
                return false;
            }
            *(*rrq).slots.add(n as usize) = p;
            (*p).random.slot = n.wrapping_add(1);
            (*rrq).nr_slots = n.wrapping_add(1);
        }
        // INVARIANT: `p` is at index n with slot n + 1.
        true
    }

    /// Removes `p` from the array, moving the last task into its place;
    /// returns `false` (and changes nothing) if the array does not hold `p`
    /// where its `slot` says (corruption).
    ///
    /// # Safety
    ///
    /// `p` must be a live task with a non-zero `slot`, in this run queue.
    unsafe fn slots_remove(&mut self, p: *mut task_struct) -> bool {
        // SAFETY: `self.0` is valid and locked (type invariant); `p` is live
        // (caller); every index used is checked against `nr_slots`, and the
        // tasks in the array are live (type invariant).
        unsafe {
            let rrq = self.0;
            let i = (*p).random.slot.wrapping_sub(1);
            let n = (*rrq).nr_slots;
            if i >= n || self.slot(i) != p {
                return false;
            }
            let last = n.wrapping_sub(1);
            let moved = self.slot(last);
            *(*rrq).slots.add(i as usize) = moved;
            (*moved).random.slot = i.wrapping_add(1);
            (*rrq).nr_slots = last;
            (*p).random.slot = 0;
        }
        // INVARIANT: the last task took `p`'s index; `p` is out.
        true
    }

    /// Moves tasks from the treap into the array while it has room.
    fn refill(&mut self) {
        loop {
            let n = self.root();
            if n.is_null() || self.nr_slots() >= self.slots_cap() {
                return;
            }
            // SAFETY: `n` is a node of the treap, so the `random` field of a
            // live task (type invariant) that is in the treap only.
            unsafe {
                let p = task_of(n);
                if !self.treap_remove(n) || !self.slots_push(p) {
                    // Cannot happen: a corrupted treap keeps its tasks.
                    return;
                }
            }
        }
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

    /// Draws a value uniformly from `0..n` (0 when `n` is 0) from this CPU's
    /// decision stream.
    fn draw(&mut self, n: u32) -> u32 {
        // SAFETY: by the type invariant `self.0` is valid and we hold its
        // lock, which protects the generator state.
        let state = unsafe { &mut (*self.0).rng };
        uniform(n, || chaos::next_u32(state))
    }

    /// Counts a decision that drew `index` from `0..nr` and chose `p` (null
    /// for none), and reports it to the tracepoint.
    fn decided(
        &mut self,
        why: bindings::random_decision,
        nr: u32,
        index: u32,
        p: *mut task_struct,
    ) {
        // SAFETY: by the type invariant `self.0` is valid and we hold its
        // lock; `p` is null or a queued task (callers), which C only reads.
        unsafe {
            (*self.0).seq = (*self.0).seq.wrapping_add(1);
            bindings::sched_random_trace_decision(self.0, why, nr, index, p);
        }
    }

    /// Makes `new` take the place of `old` as the child of `parent` (or as
    /// the root when `parent` is null).
    ///
    /// # Safety
    ///
    /// `parent` is null or a node of this tree with `old` as a child.
    unsafe fn replace_child(&mut self, parent: *mut Node, old: *mut Node, new: *mut Node) {
        // SAFETY: `self.0` is valid and locked (type invariant); `parent`
        // is a valid node when non-null (caller).
        unsafe {
            if parent.is_null() {
                (*self.0).root = new;
            } else if (*parent).left == old {
                (*parent).left = new;
            } else {
                (*parent).right = new;
            }
        }
    }

    /// Rotates `x` above its parent, keeping the in-order sequence and the
    /// subtree sizes.
    ///
    /// # Safety
    ///
    /// `x` is a node of this tree and has a parent.
    unsafe fn rotate_up(&mut self, x: *mut Node) {
        // SAFETY: `x`, its parent and grandparent (if any) and the moved
        // subtree (if any) are nodes of this locked tree (caller, type
        // invariant).
        unsafe {
            let p = (*x).parent;
            let g = (*p).parent;
            if (*p).left == x {
                (*p).left = (*x).right;
                if !(*x).right.is_null() {
                    (*(*x).right).parent = p;
                }
                (*x).right = p;
            } else {
                (*p).right = (*x).left;
                if !(*x).left.is_null() {
                    (*(*x).left).parent = p;
                }
                (*x).left = p;
            }
            (*p).parent = x;
            (*x).parent = g;
            self.replace_child(g, p, x);
            update(p);
            update(x);
        }
    }

    /// Queues `p`: in the array if it has room, else in the treap. Returns
    /// `false` (and changes nothing) if it is queued already.
    ///
    /// # Safety
    ///
    /// `p` must be a live task that is not on another CPU's queue.
    unsafe fn push(&mut self, p: *mut task_struct) -> bool {
        // SAFETY: `p` is live (caller).
        let x = unsafe { node_of(p) };
        // SAFETY: `x` is valid (caller); so is `p`, queued nowhere else.
        unsafe {
            if (*x).size != 0 || (*x).slot != 0 {
                return false;
            }
            if !self.slots_push(p) {
                self.treap_push(x);
            }
        }
        // INVARIANT: one more task in the array or the treap, one more in
        // the count.
        self.set_nr_queued(self.nr_queued().wrapping_add(1));
        true
    }

    /// Adds `x` to the treap.
    ///
    /// # Safety
    ///
    /// `x` is the node of a live task that is queued nowhere.
    unsafe fn treap_push(&mut self, x: *mut Node) {
        // SAFETY: `x` is valid (caller); every node reached from the root is
        // valid (type invariant).
        unsafe {
            (*x).left = ptr::null_mut();
            (*x).right = ptr::null_mut();
            (*x).size = 1;
            // `sched_random_u32()` has no precondition (see random_uniform()).
            (*x).prio = bindings::sched_random_u32();
            // Append: walk the right spine, counting x into each subtree.
            let mut n = self.root();
            if n.is_null() {
                (*x).parent = ptr::null_mut();
                (*self.0).root = x;
            } else {
                loop {
                    (*n).size = (*n).size.wrapping_add(1);
                    if (*n).right.is_null() {
                        (*n).right = x;
                        (*x).parent = n;
                        break;
                    }
                    n = (*n).right;
                }
                // Restore the heap order on priorities.
                while !(*x).parent.is_null() && (*x).prio > (*(*x).parent).prio {
                    self.rotate_up(x);
                }
            }
        }
    }

    /// Unlinks `p`; returns `false` (and changes nothing) if it is not
    /// queued or is not where its links say (corruption).
    ///
    /// # Safety
    ///
    /// `p` must be a live task that is not on another CPU's queue.
    unsafe fn remove(&mut self, p: *mut task_struct) -> bool {
        // SAFETY: `p` is live (caller).
        let x = unsafe { node_of(p) };
        // SAFETY: `x` and `p` are valid (caller); `p` is queued here if at
        // all.
        let removed = unsafe {
            if (*x).slot != 0 {
                self.slots_remove(p)
            } else {
                self.treap_remove(x)
            }
        };
        if !removed {
            return false;
        }
        // SAFETY: `self.0` is valid and locked (type invariant).
        unsafe {
            if (*self.0).skip == p {
                (*self.0).skip = ptr::null_mut();
            }
            if (*self.0).next == p {
                (*self.0).next = ptr::null_mut();
            }
        }
        // INVARIANT: one task fewer in the array or the treap, one fewer in
        // the count; a task that left the array made room for one from the
        // treap.
        self.set_nr_queued(self.nr_queued().wrapping_sub(1));
        self.refill();
        true
    }

    /// Unlinks `x` from the treap; returns `false` (and changes nothing) if
    /// it is not in the treap or its parent does not point back at it.
    ///
    /// # Safety
    ///
    /// `x` is the node of a live task that is not on another CPU's queue.
    unsafe fn treap_remove(&mut self, x: *mut Node) -> bool {
        // SAFETY: `x` is valid (caller) and, when in the treap, so are the
        // nodes it links to (type invariant).
        unsafe {
            if (*x).size == 0 {
                return false;
            }
            let parent = (*x).parent;
            let linked = if parent.is_null() {
                self.root() == x
            } else {
                (*parent).left == x || (*parent).right == x
            };
            if !linked {
                return false;
            }
            // Rotate x down until it has at most one child, keeping the heap
            // order, then splice it out.
            while !(*x).left.is_null() && !(*x).right.is_null() {
                let (l, r) = ((*x).left, (*x).right);
                self.rotate_up(if (*l).prio > (*r).prio { l } else { r });
            }
            let child = if (*x).left.is_null() {
                (*x).right
            } else {
                (*x).left
            };
            let parent = (*x).parent;
            if !child.is_null() {
                (*child).parent = parent;
            }
            self.replace_child(parent, x, child);
            let mut a = parent;
            while !a.is_null() {
                (*a).size = (*a).size.wrapping_sub(1);
                a = (*a).parent;
            }
            (*x).parent = ptr::null_mut();
            (*x).left = ptr::null_mut();
            (*x).right = ptr::null_mut();
            (*x).size = 0;
        }
        true
    }

    /// Returns the `k`-th queued task (0-based: the array, then the treap
    /// in tree order), or null if there are not that many.
    fn nth(&self, k: u32) -> *mut task_struct {
        if k < self.nr_slots() {
            // SAFETY: `k < nr_slots`.
            return unsafe { self.slot(k) };
        }
        self.treap_nth(k.wrapping_sub(self.nr_slots()))
    }

    /// Returns the `k`-th task of the treap in tree order, or null.
    fn treap_nth(&self, mut k: u32) -> *mut task_struct {
        let mut n = self.root();
        // SAFETY: every node reached from the root is a valid node of the
        // locked tree with a correct size (type invariant).
        unsafe {
            while !n.is_null() {
                let left = size((*n).left);
                if k < left {
                    n = (*n).left;
                } else if k == left {
                    return task_of(n);
                } else {
                    k = k.wrapping_sub(left).wrapping_sub(1);
                    n = (*n).right;
                }
            }
        }
        ptr::null_mut()
    }

    /// Position (0-based, as [`Self::nth`] counts) of the queued task `p`.
    ///
    /// # Safety
    ///
    /// `p` must be queued on this run queue.
    unsafe fn rank(&self, p: *mut task_struct) -> u32 {
        // SAFETY: `p` is queued here (caller), so its node and, if it is in
        // the treap, every ancestor are valid nodes of the locked tree (type
        // invariant).
        unsafe {
            let slot = (*p).random.slot;
            if slot != 0 {
                return slot.wrapping_sub(1);
            }
            let mut n = node_of(p);
            let mut r = self.nr_slots().wrapping_add(size((*n).left));
            while !(*n).parent.is_null() {
                let parent = (*n).parent;
                if (*parent).right == n {
                    r = r.wrapping_add(size((*parent).left)).wrapping_add(1);
                }
                n = parent;
            }
            r
        }
    }

    /// Uniform pick among the queued tasks, avoiding a task that yielded
    /// when there is any other; the task a wakeup decision chose, if any.
    fn pick(&mut self) -> *mut task_struct {
        let n = self.nr_queued();
        // SAFETY: by the type invariant `self.0` is valid and locked.
        let (skip, next) = unsafe { ((*self.0).skip, (*self.0).next) };
        if n == 0 || !next.is_null() {
            // The wakeup decision was the draw (`next` is cleared when it
            // leaves the queue, so it is queued here). It serves this pick
            // only: a pick that returns the running task again starts no
            // slice (core calls no set_next_task()), and a `next` left set
            // would win every pick after it, a yield's included.
            // SAFETY: by the type invariant `self.0` is valid and locked.
            unsafe { (*self.0).next = ptr::null_mut() };
            return next;
        }
        if n > 1 && !skip.is_null() {
            // Uniform among the n - 1 others: skip over the yielder's rank.
            let k = self.draw(n - 1);
            // SAFETY: `skip` is queued here: it is cleared when it leaves.
            let s = unsafe { self.rank(skip) };
            let p = self.nth(if k >= s { k + 1 } else { k });
            self.decided(bindings::random_decision_RANDOM_DECISION_YIELD, n - 1, k, p);
            p
        } else {
            let k = self.draw(n);
            let p = self.nth(k);
            self.decided(bindings::random_decision_RANDOM_DECISION_PICK, n, k, p);
            p
        }
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
        (*rrq).slots = ptr::null_mut();
        (*rrq).nr_slots = 0;
        (*rrq).slots_cap = 0;
        (*rrq).root = ptr::null_mut();
        (*rrq).nr_queued = 0;
        (*rrq).nr_migratory = 0;
        (*rrq).skip = ptr::null_mut();
        (*rrq).next = ptr::null_mut();
        (*rrq).curr = ptr::null_mut();
        (*rrq).overloaded = false;
        (*rrq).nr_picks = 0;
        (*rrq).pick_ns = 0;
        (*rrq).nr_pulled = 0;
        (*rrq).nr_pushed = 0;
        (*rrq).nr_ticks = 0;
        (*rrq).tick_ns = 0;
        (*rrq).nr_places = 0;
        (*rrq).place_ns = 0;
        // Seeded again from the CRNG once it is up (random.c).
        (*rrq).rng = 0;
        (*rrq).seq = 0;
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
        (*rse).slot = 0;
        (*rse).parent = ptr::null_mut();
        (*rse).left = ptr::null_mut();
        (*rse).right = ptr::null_mut();
        (*rse).size = 0;
        (*rse).prio = 0;
        (*rse).slice_start = 0;
        (*rse).slice_len = 0;
        (*rse).migratory = false;
    }
}

/// Queues `p` in O(1) steps (O(log n) expected while the array is full).
/// Returns `false` if it was queued
/// already (a bug in the caller; the queue is left unchanged).
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

/// Removes `p` in O(1) steps (O(log n) expected while the treap holds
/// tasks). Returns `false` if it was not
/// queued or its links are corrupted (the queue is left unchanged).
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
/// except that a task that just yielded is avoided when there is another,
/// and that a chaos-mode wakeup decision ([`random_rq_wakeup`]) has already
/// drawn the task. Each pick is independent of the previous ones and takes
/// O(1) steps (O(log n) expected for a position in the treap). Returns null
/// when the queue is empty. The queue
/// is not modified; only the counters and the generator state advance.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`.
#[no_mangle]
pub unsafe extern "C" fn random_rq_pick(rrq: *mut random_rq) -> *mut task_struct {
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
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
    unsafe {
        (*rrq).skip = curr;
        // A wakeup decision that kept `curr` does not outrank its yield.
        if (*rrq).next == curr {
            (*rrq).next = ptr::null_mut();
        }
    }
}

/// Starts a new time slice of `p` on `rq`: the yield mark and the wakeup
/// decision have served their pick and are dropped. The slice is `max_ns`
/// long, or in chaos mode drawn between `min_ns` and `max_ns` (see
/// `random_chaos.rs`).
///
/// # Safety
///
/// `p` is a live task, locked by the lock `rq` holds.
unsafe fn begin_slice(rq: &mut RunQueue, p: *mut task_struct, min_ns: u64, max_ns: u64) {
    // SAFETY: `p` is valid and locked (caller).
    let chaos = unsafe { (*p).random.chaos };
    let len = if chaos {
        chaos::slice_len(min_ns, max_ns, |n| rq.draw(n))
    } else {
        max_ns
    };
    // SAFETY: `rq.0` is valid and locked (type invariant); `p` as above.
    unsafe {
        (*rq.0).skip = ptr::null_mut();
        (*rq.0).next = ptr::null_mut();
        (*p).random.slice_start = (*p).se.sum_exec_runtime;
        (*p).random.slice_len = len;
    }
}

/// Starts a new time slice for `p`, which is about to run (see
/// [`begin_slice`]). Called only when a pick starts a slice, so that a
/// debugger can break on every pick here.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq` and `p` is the task it will run.
#[no_mangle]
pub unsafe extern "C" fn random_rq_start_slice(
    rrq: *mut random_rq,
    p: *mut task_struct,
    min_ns: u64,
    max_ns: u64,
) {
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
    // SAFETY: `p` is live and locked (caller).
    unsafe { begin_slice(&mut rq, p, min_ns, max_ns) };
}

/// Accounts a tick to the running task `p`. Returns `true` when its slice
/// is used up (in chaos mode the one drawn when it started, otherwise
/// `max_ns` of CPU time): a new pick is due, and `p` starts a new slice
/// (see [`begin_slice`]) in case it is picked again.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`, `p` is its running task and its
/// runtime has just been updated.
#[no_mangle]
pub unsafe extern "C" fn random_rq_tick(
    rrq: *mut random_rq,
    p: *mut task_struct,
    min_ns: u64,
    max_ns: u64,
) -> bool {
    // SAFETY: `p` is valid and locked (caller).
    let (ran, chaos, len) = unsafe {
        let rse = &(*p).random;
        (
            (*p).se.sum_exec_runtime.wrapping_sub(rse.slice_start),
            rse.chaos,
            rse.slice_len,
        )
    };
    if ran < if chaos { len } else { max_ns } {
        return false;
    }
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
    // SAFETY: `p` is live and locked (caller).
    unsafe { begin_slice(&mut rq, p, min_ns, max_ns) };
    true
}

/// A chaos-mode wakeup decision: a task has just been queued by a wakeup
/// (or a fork) while `curr` runs. Draws uniformly among the queued tasks,
/// `curr` and the new one included, so that every runnable task is equally
/// likely to run next at a wakeup as at a pick. Returns `true` when the draw
/// chose a task other than `curr`: the caller reschedules, and the next
/// pick returns that task. `curr` keeps its slice when the draw chose it;
/// if a pick is `pending` already (an earlier decision), that pick returns
/// `curr`.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq` and `curr` is its running task
/// (only compared: it may have left the queue while the lock was dropped).
#[no_mangle]
pub unsafe extern "C" fn random_rq_wakeup(
    rrq: *mut random_rq,
    curr: *mut task_struct,
    pending: bool,
) -> bool {
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
    let n = rq.nr_queued();
    if n < 2 {
        return false;
    }
    // SAFETY: `rrq` is valid and locked (caller).
    let skip = unsafe { (*rrq).skip };
    let p = if !skip.is_null() && skip == curr {
        // `curr` yielded and its pick is still to come: as that pick
        // would, draw among the others only.
        let k = rq.draw(n - 1);
        // SAFETY: `skip` is queued here: it is cleared when it leaves.
        let s = unsafe { rq.rank(skip) };
        let p = rq.nth(if k >= s { k + 1 } else { k });
        rq.decided(
            bindings::random_decision_RANDOM_DECISION_WAKEUP,
            n - 1,
            k,
            p,
        );
        p
    } else {
        let k = rq.draw(n);
        let p = rq.nth(k);
        rq.decided(bindings::random_decision_RANDOM_DECISION_WAKEUP, n, k, p);
        p
    };
    let chose_curr = p.is_null() || p == curr;
    // SAFETY: `rrq` is valid and locked (caller).
    unsafe {
        (*rrq).next = match (chose_curr, pending) {
            (false, _) => p,
            // Only a queued task may be `next` (it is cleared when it
            // leaves); a pending pick without one draws uniformly.
            (true, true) if !p.is_null() => p,
            (true, _) => ptr::null_mut(),
        };
    }
    !chose_curr
}

/// Seeds the decision stream of CPU `cpu` from `seed` and restarts its
/// decision count (see `random_chaos.rs`).
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`.
#[no_mangle]
pub unsafe extern "C" fn random_rq_seed(rrq: *mut random_rq, seed: u64, cpu: u32) {
    // SAFETY: `rrq` is valid and locked (caller).
    unsafe {
        (*rrq).rng = chaos::seed_state(seed, cpu);
        (*rrq).seq = 0;
    }
}

/// How many queued tasks [`random_rq_pick_pullable`] looks at, at most. Its
/// callers hold the rq lock, one of them at every tick of an overloaded
/// CPU: the bound keeps a call O(1) even when most queued tasks are pinned.
/// A pull that finds nothing movable is retried at the next tick or slice
/// end, from another random position.
const PULL_PROBES: u32 = 16;

/// Chooses a task that CPU `dst_cpu` may pull from this queue: one that is
/// not running, may migrate and is allowed on `dst_cpu` (on some other CPU
/// when `dst_cpu` is negative, for a push). Up to
/// [`PULL_PROBES`] consecutive tasks are tried from a random position, so
/// repeated pulls do not always take the same task. Returns null if none of
/// them qualifies.
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
    first_movable(&rq, |p| {
        // SAFETY: `p` is queued here, so live, and we hold its rq lock.
        unsafe { bindings::sched_random_can_migrate(p, dst_cpu) }
    })
}

/// Chooses a task that a push may move to one of the CPUs in `lower`: one
/// that is not running, may migrate and is allowed on one of them; up to
/// [`PULL_PROBES`] consecutive tasks from a random position, as
/// [`random_rq_pick_pullable`]. Returns null if none of them qualifies.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`; `lower` is a valid cpumask that
/// does not change during the call.
#[no_mangle]
pub unsafe extern "C" fn random_rq_pick_pushable(
    rrq: *mut random_rq,
    lower: *const bindings::cpumask,
) -> *mut task_struct {
    // SAFETY: the rq lock is held (caller).
    let rq = unsafe { RunQueue::new(rrq) };
    first_movable(&rq, |p| {
        // SAFETY: `p` is queued here, so live, and we hold its rq lock;
        // `lower` is valid (caller).
        unsafe { bindings::sched_random_can_push(p, lower) }
    })
}

/// The first of up to [`PULL_PROBES`] consecutive queued tasks, from a
/// random position, for which `movable` holds; null if none.
fn first_movable(
    rq: &RunQueue,
    mut movable: impl FnMut(*mut task_struct) -> bool,
) -> *mut task_struct {
    let n = rq.nr_queued();
    let start = random_uniform(n);
    for i in 0..n.min(PULL_PROBES) {
        let k = ((u64::from(start) + u64::from(i)) % u64::from(n)) as u32;
        let p = rq.nth(k);
        if !p.is_null() && movable(p) {
            return p;
        }
    }
    ptr::null_mut()
}

/// Takes `slots`, an array of `cap` task pointers, as the queue's array if
/// it is larger than the current one: copies the tasks over and moves the
/// treap's tasks into the room left. Returns the array the caller must free:
/// the old one (null if there was none), or `slots` itself if it was not
/// taken.
///
/// # Safety
///
/// The caller holds the rq lock of `rrq`; `slots` is valid for reads and
/// writes of `cap` pointers and used by nothing else.
#[no_mangle]
pub unsafe extern "C" fn random_rq_adopt_slots(
    rrq: *mut random_rq,
    slots: *mut *mut task_struct,
    cap: core::ffi::c_uint,
) -> *mut *mut task_struct {
    // SAFETY: the rq lock is held (caller).
    let mut rq = unsafe { RunQueue::new(rrq) };
    // SAFETY: `rrq` is valid and locked (caller).
    let (old, old_cap, n) = unsafe { ((*rrq).slots, (*rrq).slots_cap, (*rrq).nr_slots) };
    if slots.is_null() || cap <= old_cap {
        return slots;
    }
    // SAFETY: `n <= old_cap < cap`: the first `n` entries of the old array
    // are tasks, and both arrays have room for them; the caller gave us
    // `slots` alone.
    unsafe {
        if n != 0 {
            ptr::copy_nonoverlapping(old, slots, n as usize);
        }
        (*rrq).slots = slots;
        (*rrq).slots_cap = cap;
    }
    // INVARIANT: the same tasks at the same indices, in a larger array;
    // then the treap empties into it as far as it fits.
    rq.refill();
    old
}

// The definitions above must match the prototypes in
// kernel/sched/random.h that C calls them by: each pair below only
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
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct); 2] =
    [random_rq_yield, bindings::random_rq_yield];
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct, u64, u64); 2] =
    [random_rq_start_slice, bindings::random_rq_start_slice];
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct, bool) -> bool; 2] =
    [random_rq_wakeup, bindings::random_rq_wakeup];
const _: [unsafe extern "C" fn(*mut random_rq, u64, u32); 2] =
    [random_rq_seed, bindings::random_rq_seed];
const _: [unsafe extern "C" fn(*mut random_rq, *mut task_struct, u64, u64) -> bool; 2] =
    [random_rq_tick, bindings::random_rq_tick];
const _: [unsafe extern "C" fn(*mut random_rq, core::ffi::c_int) -> *mut task_struct; 2] =
    [random_rq_pick_pullable, bindings::random_rq_pick_pullable];
const _: [unsafe extern "C" fn(*mut random_rq, *const bindings::cpumask) -> *mut task_struct; 2] =
    [random_rq_pick_pushable, bindings::random_rq_pick_pushable];
const _: [unsafe extern "C" fn(u32) -> u32; 2] = [random_uniform, bindings::random_uniform];
const _: [unsafe extern "C" fn(
    *mut random_rq,
    *mut *mut task_struct,
    core::ffi::c_uint,
) -> *mut *mut task_struct; 2] = [random_rq_adopt_slots, bindings::random_rq_adopt_slots];
