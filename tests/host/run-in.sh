#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/run-in and scripts/hunt end to end, on the debug kernel and its
# initramfs (built by scripts/test; nothing is built here): a dynamically
# linked C program built on this host, a python3 script and a shell
# pipeline run in the guest, with their exit status, signals, arguments,
# output and files coming back; the policy and chaos mode are as asked;
# a missing command, a bad option and a broken kernel image end in a clear
# error and leave no QEMU behind; a hunt of /bin/true finds nothing; the
# sync-points library yields at pthread calls, changes nothing for a
# program that does not synchronise, and sched-random run and hunt preload
# it with --sync-points.
# Prints one line per check: PASS host.run_in_NAME: detail, or FAIL
# host.run_in_NAME: reason; exits 1 if a check failed.
#
# Usage: tests/host/run-in.sh     (SR_RUN_IN_CPUS=N: the guests' CPUs, default 2)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${SR_OUT:-$TOP/out}
RUN_IN=$TOP/scripts/run-in
HUNT=$TOP/scripts/hunt
CPUS=${SR_RUN_IN_CPUS:-2}
FAILED=0

pass() { printf 'PASS host.run_in_%s: %s\n' "$1" "$2"; }
# A failure keeps the last guest's console, which the next boot overwrites.
fail() {
	local keep=$OUT/console-run-in-failed-$1.log latest=$OUT/console-run-in.log
	[ ! "$OUT/console-hunt.log" -nt "$latest" ] || latest=$OUT/console-hunt.log
	if [ -f "$latest" ] && cp "$latest" "$keep" 2>/dev/null; then
		printf 'FAIL host.run_in_%s: %s (console: %s)\n' "$1" "$2" "$keep"
	else
		printf 'FAIL host.run_in_%s: %s\n' "$1" "$2"
	fi
	FAILED=1
}

if [ ! -f "$OUT/build/debug/arch/x86/boot/bzImage" ] || [ ! -f "$OUT/initramfs-debug.cpio.gz" ]; then
	fail setup "no debug kernel or initramfs in $OUT (scripts/test builds them)"
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/run-in-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# The QEMU processes of scripts/run-in and scripts/hunt (srmode=host).
qemus() { pgrep -f 'qemu-system.*srmode=host' | sort || true; }
BEFORE=$(qemus)
# left_behind: the QEMU processes that were not running before the tests.
left_behind() { comm -13 <(printf '%s\n' "$BEFORE") <(qemus) | tr '\n' ' '; }

# sr NAME [ARGS...]: runs ARGS (scripts/run-in or scripts/hunt and its
# arguments); its stdout in NAME.out, stderr in NAME.err, exit status in
# RC, and in FIRST the seconds from the start to its first line of
# stdout (empty if it printed none).
sr() {
	local name=$1 t0 t1=''
	shift
	RC=0
	t0=$EPOCHREALTIME
	{ "$@" 2>"$name.err" || echo "$?" >"$name.rc"; } | {
		if IFS= read -r line; then
			t1=$EPOCHREALTIME
			printf '%s\n' "$line"
			cat
		fi
		echo "$t1" >"$name.t1"
	} >"$name.out"
	[ ! -f "$name.rc" ] || RC=$(cat "$name.rc")
	FIRST=''
	t1=$(cat "$name.t1")
	if [ -n "$t1" ]; then FIRST=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'); fi
}

# shows NAME: a failure's evidence, in one line.
shows() { printf 'exit %s, stdout [%s], stderr [%s]' "$RC" "$(head -c 300 "$1.out" | tr '\n' '|')" "$(head -c 300 "$1.err" | tr '\n' '|')"; }

# ---- a dynamically linked C program ---------------------------------
cat >prog.c <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "ok";

	printf("prog: %s\n", what);
	fflush(stdout);
	fprintf(stderr, "prog: on stderr\n");
	if (!strcmp(what, "exit1"))
		return 1;
	if (!strcmp(what, "segv"))
		*(volatile int *)0 = 1;	/* -O0: a real fault, not a trap */
	if (!strcmp(what, "abort"))
		abort();
	return 0;
}
EOF
if ! cc -O0 -o prog prog.c 2>cc.err; then
	fail c_build "cc failed: $(head -c 300 cc.err)"
	exit 1
fi
ldd ./prog >ldd.out 2>&1 || true
if ! grep -q 'libc\.so' ldd.out; then
	fail c_build "prog is not dynamically linked against libc: $(tr '\n' ' ' <ldd.out)"
fi

sr c_exit0 "$RUN_IN" --kernel debug --cpus "$CPUS" -- ./prog ok
if [ "$RC" = 0 ] && [ "$(cat c_exit0.out)" = "prog: ok" ] && grep -qx 'prog: on stderr' c_exit0.err; then
	pass c_exit0 "a dynamically linked C program built with cc exits 0; its stdout and stderr come back apart"
	if [ -n "$FIRST" ]; then
		pass first_line "${FIRST} s from invoking scripts/run-in --kernel debug (TCG, $CPUS vCPUs) to the program's first line"
	else
		fail first_line "no line of output"
	fi
else
	fail c_exit0 "$(shows c_exit0)"
fi

for t in "exit1 1 exit status 1" "segv 139 SIGSEGV: 128+11" "abort 134 SIGABRT: 128+6"; do
	read -r arg want why <<<"$t"
	sr "c_$arg" "$RUN_IN" --kernel debug --cpus "$CPUS" -- ./prog "$arg"
	name=c_$arg
	[ "$arg" = exit1 ] || name=c_${why%%:*}
	name=${name,,}
	if [ "$RC" = "$want" ] && [ "$(cat "c_$arg.out")" = "prog: $arg" ]; then
		pass "$name" "./prog $arg: exit $RC ($why)"
	else
		fail "$name" "want exit $want ($why): $(shows "c_$arg")"
	fi
done

# ---- python3, arguments, a file, the policy ---------------------------
cat >script.py <<'EOF'
import os, sys
print("argv", repr(sys.argv[1:]))
with open("from-guest.txt", "w") as f:
    f.write("written in the guest\n")
with open("/proc/self/sched") as f:
    for line in f:
        if line.startswith("policy"):
            print("policy", line.split(":")[1].strip())
EOF
rm -f from-guest.txt
# shellcheck disable=SC2016 # a literal $HOME, for the guest to pass on as is
sr python "$RUN_IN" --kernel debug --cpus "$CPUS" -- python3 script.py 'two words' "it's" '"dq"' '$HOME' '' 'a;b|c'
want="argv ['two words', \"it's\", '\"dq\"', '\$HOME', '', 'a;b|c']"
if [ "$RC" = 0 ] && grep -q '^argv ' python.out; then
	pass python "python3 ($(command -v python3)) ran a script in the guest"
else
	fail python "$(shows python)"
fi
if grep -qxF "$want" python.out; then
	pass args "spaces, quotes, \$, an empty argument and ;| arrive as given: $(grep '^argv' python.out)"
else
	fail args "want [$want]: $(shows python)"
fi
if [ "$(cat from-guest.txt 2>/dev/null)" = "written in the guest" ]; then
	pass cwd_file "a file the command wrote in the working directory is on the host"
else
	fail cwd_file "no from-guest.txt on the host after the run: $(shows python)"
fi
if grep -qx 'policy 8' python.out; then
	pass policy "the command ran under policy 8 (SCHED_RANDOM; /proc/self/sched)"
else
	fail policy "no 'policy 8' from /proc/self/sched: $(shows python)"
fi

# ---- a shell pipeline in chaos mode ------------------------------------
# The guest has the static sched-random the initramfs was built from at its
# host path (the host's / is its root), and its own copy in /run.
SRBIN=$OUT/cargo/x86_64-unknown-linux-gnu/release/sched-random
[ -x "$SRBIN" ] || SRBIN=/run/sched-random/sched-random
sr chaos "$RUN_IN" --kernel debug --cpus "$CPUS" --chaos -- \
	sh -c "$SRBIN get 0 | tr a-z A-Z | sed 's/^/piped: /'; seq 1 100 | sort -rn | head -n 1"
if [ "$RC" = 0 ] && grep -qx '100' chaos.out && grep -q '^piped: ' chaos.out; then
	pass pipeline "sh -c 'A | B | C; seq | sort | head' ran: $(tr '\n' ' ' <chaos.out)"
else
	fail pipeline "$(shows chaos)"
fi
if grep -qx 'piped: 0: SCHED_RANDOM (8) CHAOS' chaos.out; then
	pass chaos "with --chaos the command ran in chaos mode (sched-random get 0: $(sed -n "s/^piped: //p" chaos.out))"
else
	fail chaos "want 'SCHED_RANDOM (8) chaos' from sched-random get 0: $(shows chaos)"
fi

# ---- --sync-points: the preload library yields around pthread calls ----
cat >locks.c <<'EOF'
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static sem_t s;
static long n;
static int done;

static void *worker(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&m);
		n++;
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_lock(&m);
	done = 1;
	pthread_cond_signal(&c);
	pthread_mutex_unlock(&m);
	sem_post(&s);
	return arg;
}

int main(void)
{
	pthread_t t;

	sem_init(&s, 0, 0);
	pthread_create(&t, NULL, worker, NULL);
	pthread_mutex_lock(&m);
	while (!done)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	sem_wait(&s);
	pthread_join(t, NULL);
	printf("locks: n=%ld\n", n);
	return n != 1000;
}
EOF
if cc -O2 -pthread -o locks locks.c 2>cc.err; then
	sr sync env SR_SYNC_POINTS_STATS=1 "$RUN_IN" --kernel debug --cpus "$CPUS" --chaos --sync-points=1 -- ./locks
	stat=$(grep -E '^sync-points: pid [0-9]+: [0-9]+ decision points in [0-9]+ threads, [0-9]+ yields' sync.err | head -n 1 || true)
	yields=$(sed -n 's/.*, \([0-9]*\) yields$/\1/p' <<<"$stat")
	if [ "$RC" = 0 ] && grep -qx 'locks: n=1000' sync.out && [ "${yields:-0}" -ge 2000 ]; then
		pass sync_points "--chaos --sync-points=1: the program ran as before and yielded at its pthread calls (${stat#*: })"
	else
		fail sync_points "want exit 0, n=1000 and at least 2000 yields (a lock and an unlock each of 1000 times): $(shows sync)"
	fi
else
	fail sync_points "cc failed: $(head -c 300 cc.err)"
fi

# ---- --sync-points changes nothing for a program that does not synchronise --
# Single-threaded and deterministic (malloc, qsort, stdio): the same output
# on the host and in the guest with the library at rate 1, and the
# library's own count of decision points is 0.
cat >det.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	unsigned int n = 100000, s = 12345, *v = malloc(n * sizeof(*v));
	unsigned long long sum = 0;

	if (!v)
		return 2;
	for (unsigned int i = 0; i < n; i++)
		v[i] = s = s * 1103515245u + 12345u;
	qsort(v, n, sizeof(*v), cmp);
	for (unsigned int i = 0; i < n; i++)
		sum = sum * 31 + v[i];
	printf("det: min %u max %u hash %llx\n", v[0], v[n - 1], sum);
	free(v);
	return 0;
}
EOF
if cc -O2 -o det det.c 2>cc.err && ./det >det.host; then
	sr nosync env SR_SYNC_POINTS_STATS=1 "$RUN_IN" --kernel debug --cpus "$CPUS" --chaos --sync-points=1 -- ./det
	stat=$(grep -E '^sync-points: pid [0-9]+: [0-9]+ decision points in [0-9]+ threads, [0-9]+ yields' nosync.err | head -n 1 || true)
	if [ "$RC" = 0 ] && cmp -s nosync.out det.host && [[ $stat =~ ': 0 decision points in '[0-9]+' threads, 0 yields'$ ]]; then
		pass sync_points_no_effect "a single-threaded program's output is the host's ($(cat det.host)) under --chaos --sync-points=1, and the library counted ${stat#*: *: }"
	else
		fail sync_points_no_effect "want the host's output [$(cat det.host)] and 0 decision points: $(shows nosync)"
	fi
else
	fail sync_points_no_effect "cc or the host's run of det.c failed: $(head -c 300 cc.err)"
fi

# ---- sched-random run and hunt --sync-points, inside the guest ----------
# The static sched-random at its host path (it finds the library next to
# it, in the build tree's out/sync-points/, which the checks above built),
# run by the guest itself: run preloads the library into ./locks; each of
# hunt's 5 runs fails unless its ./locks made at least 1000 yields.
SRHOST=$OUT/cargo/x86_64-unknown-linux-gnu/release/sched-random
cat >yields.sh <<'EOF'
#!/bin/sh
SR_SYNC_POINTS_STATS=1 ./locks 2>&1 | grep -E ' [0-9]{4,} yields$'
EOF
chmod +x yields.sh
if [ -x "$SRHOST" ] && [ -x locks ]; then
	# shellcheck disable=SC2016 # expanded by the guest's shell
	sr cli "$RUN_IN" --kernel debug --cpus "$CPUS" --chaos -- sh -c '
		SR_SYNC_POINTS_STATS=1 "$1" run --chaos --sync-points=1 -- ./locks
		echo "run rc=$?"
		"$1" hunt -n 5 --chaos --sync-points=1 -- ./yields.sh
		echo "hunt rc=$?"' sh "$SRHOST"
	stat=$(grep -E '^sync-points: pid [0-9]+: [0-9]+ decision points in [0-9]+ threads, [0-9]+ yields' cli.err | head -n 1 || true)
	yields=$(sed -n 's/.*, \([0-9]*\) yields$/\1/p' <<<"$stat")
	report=$(grep -m1 ' of 5 runs failed' cli.out || true)
	if [ "$RC" = 0 ] && grep -qx 'run rc=0' cli.out && grep -qx 'locks: n=1000' cli.out && [ "${yields:-0}" -ge 2000 ] &&
		grep -qx 'hunt rc=0' cli.out && [[ $report == *': 0 of 5 runs failed under SCHED_RANDOM (chaos mode, sync points at rate 1)'* ]]; then
		pass sync_points_cli "in the guest, sched-random run --chaos --sync-points=1 preloaded the library (${stat#*: *: }); hunt --sync-points=1, each run checking its yields: ${report#*: }"
	else
		fail sync_points_cli "want run and hunt to exit 0, at least 2000 yields, and 0 of 5 hunt runs without 1000: $(shows cli)"
	fi
else
	fail sync_points_cli "no $SRHOST or ./locks"
fi

# ---- errors: a clear message, non-zero, no QEMU left --------------------
sr missing "$RUN_IN" --kernel debug --cpus "$CPUS" -- no-such-command-here arg
left=$(left_behind)
if [ "$RC" = 127 ] && grep -q 'no-such-command-here: command not found' missing.err && [ -z "$left" ]; then
	pass missing_command "exit 127: $(head -n 1 missing.err | cut -c1-80)..."
else
	fail missing_command "want 127 and 'command not found', no QEMU left (left: ${left:-none}): $(shows missing)"
fi

bad=()
sr badopt "$RUN_IN" --kernel debug --bogus -- true
[ "$RC" = 2 ] && grep -q "unknown option '--bogus'" badopt.err || bad+=("run-in --bogus: $(shows badopt)")
sr badopt2 "$RUN_IN" --kernel nosuch -- true
[ "$RC" = 2 ] && grep -q "kernel takes main or debug" badopt2.err || bad+=("run-in --kernel nosuch: $(shows badopt2)")
sr badopt3 "$HUNT" --kernel debug -n 0 -- true
[ "$RC" = 2 ] && grep -q -- "-n takes a number" badopt3.err || bad+=("hunt -n 0: $(shows badopt3)")
sr badopt4 "$HUNT" --kernel debug --bogus -- true
[ "$RC" = 2 ] && grep -q "unknown option '--bogus'" badopt4.err || bad+=("hunt --bogus: $(shows badopt4)")
sr badopt5 "$RUN_IN" --kernel debug --sync-points -- true
[ "$RC" = 2 ] && grep -q "chaos mode only" badopt5.err || bad+=("run-in --sync-points without --chaos: $(shows badopt5)")
left=$(left_behind)
[ -z "$left" ] || bad+=("QEMU left behind: $left")
if [ ${#bad[@]} = 0 ]; then
	pass bad_option "exit 2 with a message, no boot: run-in --bogus, --kernel nosuch, --sync-points without --chaos; hunt -n 0, --bogus"
else
	fail bad_option "${bad[*]}"
fi

bad=()
head -c 100000 /dev/urandom >garbage.img
sr broken "$RUN_IN" --kernel debug --kernel-image "$WORK/garbage.img" -- true
[ "$RC" = 125 ] && grep -q 'error: QEMU failed' broken.err || bad+=("random bytes: $(shows broken)")
detail=$(head -n 1 broken.err | cut -c1-100)
sr broken2 "$RUN_IN" --kernel debug --kernel-image "$WORK/nonexistent" -- true
[ "$RC" = 125 ] && grep -q 'error: QEMU failed' broken2.err || bad+=("no such file: $(shows broken2)")
head -c 1000000 "$OUT/build/debug/arch/x86/boot/bzImage" >truncated.img
sr broken3 "$RUN_IN" --kernel debug --kernel-image "$WORK/truncated.img" -- true
[ "$RC" = 125 ] && grep -q 'error: ' broken3.err || bad+=("truncated: $(shows broken3)")
left=$(left_behind)
[ -z "$left" ] || bad+=("QEMU left behind: $left")
if [ ${#bad[@]} = 0 ]; then
	pass broken_kernel "exit 125, no QEMU left, for random bytes, a missing file and a truncated bzImage: $detail"
else
	fail broken_kernel "${bad[*]}"
fi

# ---- scripts/hunt -------------------------------------------------------
sr hunt "$HUNT" --kernel debug --vcpus "$CPUS" -n 5 -- /bin/true
left=$(left_behind)
if [ "$RC" = 0 ] && grep -q '^/bin/true: 0 of 5 runs failed under SCHED_RANDOM' hunt.out &&
	grep -q '5/5 runs, 0 failed' hunt.err && [ -z "$left" ]; then
	pass hunt "scripts/hunt --kernel debug -n 5 -- /bin/true: $(head -n 1 hunt.out)"
else
	fail hunt "want exit 0 and '0 of 5', no QEMU left (left: ${left:-none}): $(shows hunt)"
fi

exit "$FAILED"
