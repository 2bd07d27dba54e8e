// SPDX-License-Identifier: GPL-2.0

//! SCHED_RANDOM as a race finder: the decision stream and chaos mode.
//!
//! A module of `random_rq.rs`, which calls in here.
//!
//! # The decision stream
//!
//! Every decision a CPU makes from its queue (each pick, each chaos-mode
//! wakeup decision, each chaos slice length) draws from that CPU's own
//! generator, kept in its `struct random_rq` under the rq lock. Writing
//! `kernel.sched_random_seed` seeds every CPU's generator from the seed and
//! the CPU number (0: from the CRNG) and restarts its decision count. The
//! same seed then makes a CPU draw the same numbers for the same sequence of
//! scheduling events (which task blocks, wakes, yields or uses up its slice,
//! and when). It cannot make a real kernel repeat that sequence: interrupts,
//! timers and the other CPUs still move it. The tracepoint reports, and the
//! decision count counts, the choices among tasks (picks and wakeup draws);
//! chaos slice lengths come from the same stream but are not reported.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): one
//! 64-bit word of state, one addition and a mixing function per number, and
//! good enough statistics (it passes BigCrush) for a scheduler. Its state is
//! not secret and need not be: nothing depends on a pick being unpredictable.
//!
//! # Chaos mode
//!
//! A task with `SCHED_FLAG_RANDOM_CHAOS` draws each of its time slices
//! between its minimum and its slice (see [`slice_len`]), and its wakeups
//! are decision points (see `random_rq_wakeup()` in `random_rq.rs`).

/// The golden-ratio increment of SplitMix64.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijection that spreads every input bit
/// over the whole word.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Advances the generator state `state` and returns 32 random bits (the
/// upper half of SplitMix64's output).
pub(crate) fn next_u32(state: &mut u64) -> u32 {
    *state = state.wrapping_add(GAMMA);
    (mix(*state) >> 32) as u32
}

/// The generator state of CPU `cpu` for seed `seed`: far apart in the
/// sequence for different CPUs, so that their streams never overlap in
/// practice, and different for every seed.
pub(crate) fn seed_state(seed: u64, cpu: u32) -> u64 {
    mix(seed ^ mix(u64::from(cpu).wrapping_add(1).wrapping_mul(GAMMA)))
}

/// Draws the length of a chaos-mode time slice, in ns, between `min` and
/// `max` with `draw(n)`, a uniform draw from `0..n`.
///
/// The distribution is log-uniform by octaves: the octaves `[min, 2 min)`,
/// `[2 min, 4 min)`, ... up to `max` (the last one cut at `max`) are equally
/// likely, and the length is uniform within its octave. Short slices are as
/// likely as long ones on a log scale, so a thread is often stopped a few
/// instructions into a window (what a preemption-sensitive race needs), and
/// still runs up to a whole slice ahead of the others now and then (what an
/// order violation needs). From 10 us to 4 ms (9 octaves) the median is
/// 240 us.
///
/// Returns `max` when `min >= max`.
pub(crate) fn slice_len(min: u64, max: u64, mut draw: impl FnMut(u32) -> u32) -> u64 {
    if min == 0 || min >= max {
        return max;
    }
    // Octaves: ceil(log2(max / min)), at most 64; the last one is cut at
    // `max` (and when max / min is a power of two, it is a whole one).
    let octaves = 64 - ((max - 1) / min).leading_zeros();
    let k = draw(octaves);
    let lo = min.checked_shl(k).unwrap_or(max).min(max);
    let hi = lo.saturating_mul(2).min(max);
    // Slices are at most SCHED_RANDOM_SLICE_MAX (100 ms) and the sysctl's
    // 1000 ms, both well below 2^32 ns; a wider octave is drawn coarsely.
    let width = u32::try_from(hi - lo).unwrap_or(u32::MAX);
    lo.wrapping_add(u64::from(draw(width)))
}
