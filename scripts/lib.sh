# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared by scripts/run, scripts/test and friends; sourced, never run.
#
# Every step is idempotent: it checks a stamp or the state on disk and
# returns at once when there is nothing to do. All generated state lives
# under out/ (see README.md, "Where things are").

# ---- pins: the exact versions this series is tested against -------------
KVER=6.12.117
LINUX_SRC_PKG=linux-source-6.12
LINUX_SRC_VERSION=6.12.117-1~deb12u1
RUSTC_WEB_VERSION=1.96.0+dfsg1-1~deb12u2
BINDGEN_VERSION=0.71.1
LLVM_VER=16

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${SR_OUT:-$TOP/out}
SRC=$OUT/linux                 # the patched kernel tree (a git repository)
TOOLS=$OUT/tools               # bindgen, gen_init_cpio
KGDB_SOCK=${SR_KGDB_SOCK:-/tmp/vagrant-ttyS1}
# A debuggee's kernel arguments (vagrant/Vagrantfile's KGDB_ARGS says the
# same for the Vagrant debuggee, with tsc=reliable; qemu_args() adds that
# to every boot here). The RCU stall timeout at its maximum, 300 s: a kgdb
# stop is no stall, but a stop longer than the timeout while a grace
# period is requested makes PROVE_RCU's rcu_check_gp_start_stall() warn
# on resume (a Vagrant debuggee held 108 s did; kgdb resets only the CPU
# stall timers).
# shellcheck disable=SC2034 # used by scripts/test and scripts/debuggee
KGDB_ARGS="kgdboc=ttyS1,115200 nokaslr rcupdate.rcu_cpu_stall_timeout=300"
JOBS=${SR_JOBS:-$(nproc)}
BASE_TAG=debian-$LINUX_SRC_VERSION
BASE_TAG=${BASE_TAG//\~/_}     # '~' is not valid in a git ref
BRANCH=sched-random

export PATH="$TOOLS/bin:/usr/lib/llvm-$LLVM_VER/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VER/lib

# Kernel make, always LLVM=1 with Debian's matched rustc-web toolchain.
KMAKE=(make -C "$SRC" LLVM=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	RUSTFMT=/usr/bin/rustfmt CLIPPY_DRIVER=/usr/bin/clippy-driver
	BINDGEN="$TOOLS/bin/bindgen" HOSTRUSTC=/usr/bin/rustc)

# Colours for the terminal (GRN is used by scripts/test).
if [ -t 1 ]; then BOLD=$'\e[1m' RED=$'\e[31m' GRN=$'\e[32m' RST=$'\e[0m'
else BOLD='' RED='' GRN='' RST=''; fi
export GRN

T0=${SR_T0:-$(date +%s)}
step() { printf '%s==> [%4ss] %s%s\n' "$BOLD" "$(($(date +%s) - T0))" "$*" "$RST"; }
info() { printf '    %s\n' "$*"; }
die() { printf '%serror:%s %s\n' "$RED" "$RST" "$*" >&2; exit 1; }

# Wall-clock time of each stage, printed at the end (README "Figures").
declare -a STAGES=()
timed() {
	local name=$1 t=$SECONDS
	shift
	"$@"
	STAGES+=("$name $((SECONDS - t))s")
}
print_stages() { step "stage times: ${STAGES[*]}"; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- 1. host packages and bindgen --------------------------------------
DEB_PKGS=(
	"$LINUX_SRC_PKG=$LINUX_SRC_VERSION"
	"rustc-web=$RUSTC_WEB_VERSION" "rust-web-src=$RUSTC_WEB_VERSION"
	"rust-web-clippy=$RUSTC_WEB_VERSION" "rustfmt-web=$RUSTC_WEB_VERSION"
	"clang-$LLVM_VER" "lld-$LLVM_VER" "llvm-$LLVM_VER" "libclang-$LLVM_VER-dev"
	make bc bison flex libelf-dev libssl-dev cpio gzip xz-utils perl python3 git
	qemu-system-x86 busybox-static gdb socat gnuplot-nox shellcheck vagrant schedtool
	libc6-dev python3-ply python3-git
	# Debian's own kernel configurations, for scripts/build-matrix's "debian"
	# configuration (bookworm carries only the newest 6.12 update's: unpinned).
	linux-config-6.12
	# The Vagrant pair under libvirt (scripts/vagrant-box, scripts/vagrant-e2e):
	# plain QEMU domains, the local box built with mmdebstrap.
	vagrant-libvirt libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
	dnsmasq-base mmdebstrap qemu-utils e2fsprogs rsync binutils
)
# Without systemd (containers, CI) the daemons are started by hand: the
# sysv flavour of libvirt-daemon-system keeps apt from pulling in (and
# upgrading) systemd.
if [ -d /run/systemd/system ]; then DEB_PKGS+=(libvirt-daemon-system-systemd)
else DEB_PKGS+=(libvirt-daemon-system-sysv); fi

ensure_packages() {
	local p name want have qemu missing=()
	for p in "${DEB_PKGS[@]}"; do
		name=${p%%=*}
		want=${p#*=}
		have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
		case $have in
		"install ok installed "*)
			[ "$want" = "$p" ] || [ "${have##* }" = "$want" ] || missing+=("$p") ;;
		*) missing+=("$p") ;;
		esac
	done
	if [ ${#missing[@]} -eq 0 ]; then
		info "host packages: all ${#DEB_PKGS[@]} present"
	else
		sudo_ apt-get update -qq
		# A machine may come with a newer qemu-utils (from backports) that
		# Breaks the qemu-system-x86 of bookworm: take the matching one.
		qemu=$(apt-cache policy qemu-system-x86 | sed -n 's/^ *Candidate: //p')
		if [ -n "$qemu" ] && [ "$qemu" != "(none)" ] &&
			[ "$(dpkg-query -W -f='${Version}' qemu-utils 2>/dev/null || true)" != "$qemu" ]; then
			for p in "${!missing[@]}"; do
				[ "${missing[$p]%%=*}" != qemu-utils ] || unset "missing[$p]"
			done
			missing+=("qemu-utils=$qemu")
		fi
		step "installing ${#missing[@]} Debian packages: ${missing[*]}"
		if ! sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends --allow-downgrades "${missing[@]}" >"$OUT/apt.log" 2>&1; then
			tail -n 20 "$OUT/apt.log" >&2
			die "apt-get install failed (log: $OUT/apt.log); the pinned $LINUX_SRC_PKG=$LINUX_SRC_VERSION and rustc-web=$RUSTC_WEB_VERSION must be available from bookworm-security"
		fi
	fi
	[ -f /usr/src/$LINUX_SRC_PKG.tar.xz ] || die "/usr/src/$LINUX_SRC_PKG.tar.xz missing after installing $LINUX_SRC_PKG"
	command -v cargo >/dev/null || die "cargo not found: the guest programs are built with cargo"
}

# The pinned bindgen-cli, built with cargo if no such binary is on PATH.
ensure_bindgen() {
	if "$TOOLS/bin/bindgen" --version 2>/dev/null | grep -x "bindgen $BINDGEN_VERSION" >/dev/null; then
		info "bindgen $BINDGEN_VERSION: present"
	elif command -v bindgen >/dev/null && bindgen --version | grep -x "bindgen $BINDGEN_VERSION" >/dev/null; then
		mkdir -p "$TOOLS/bin"
		ln -sf "$(command -v bindgen)" "$TOOLS/bin/bindgen"
		info "bindgen $BINDGEN_VERSION: using $(command -v bindgen)"
	else
		command -v cargo >/dev/null || die "cargo not found: bindgen-cli $BINDGEN_VERSION is installed with cargo"
		# At opt-level 1: 75 s to build against 97 at the default 3 on an
		# idle host, and the kernel's three bindgen runs take as long
		# either way (clang's parsing is most of them: 9 s in all).
		step "cargo install bindgen-cli $BINDGEN_VERSION (about 75 s)"
		CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
			cargo install --quiet --locked --root "$TOOLS" bindgen-cli --version "$BINDGEN_VERSION"
	fi
}

# ---- 2. pristine tree with a baseline commit ----------------------------
# unpack_pristine DIR: the Debian tarball as a git tree, tagged $BASE_TAG.
unpack_pristine() {
	local dir=$1 ver
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xf /usr/src/$LINUX_SRC_PKG.tar.xz -C "$dir" --strip-components=1
	ver=$(make -s -C "$dir" kernelversion)
	[ "$ver" = "$KVER" ] || die "$LINUX_SRC_PKG unpacked to Linux $ver, but this series is pinned to $KVER"
	git -C "$dir" init -q -b "$BRANCH"
	git -C "$dir" config user.name "$(git -C "$TOP" config user.name)"
	git -C "$dir" config user.email "$(git -C "$TOP" config user.email)"
	git -C "$dir" config core.abbrev 12
	# No automatic maintenance: after the first commit's 80,000 loose
	# objects, 'git maintenance run --auto' packed them in the background
	# for minutes, on a core the kernel builds need. Loose objects are
	# fine for a scratch tree.
	git -C "$dir" config gc.auto 0
	git -C "$dir" config maintenance.auto false
	git -C "$dir" add -A -f  # Debian's .gitignore ignores the top level
	GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' \
		git -C "$dir" commit -q -m "Linux $KVER (Debian $LINUX_SRC_PKG $LINUX_SRC_VERSION)"
	git -C "$dir" tag "$BASE_TAG"
}

# ensure_tree_and_bindgen: ensure_tree, with ensure_bindgen in the
# background meanwhile. Neither needs the other, and on a fresh machine
# each takes about a minute: tar (xz) and git use one core at a time,
# cargo builds bindgen-cli on what they leave. (Both run as background
# jobs: a function called in a condition would run with errexit off.)
ensure_tree_and_bindgen() {
	local bpid tpid rc=0 log=$OUT/bindgen.log
	mkdir -p "$OUT"
	ensure_bindgen >"$log" 2>&1 &
	bpid=$!
	ensure_tree &
	tpid=$!
	if ! wait "$tpid"; then
		pkill -TERM -P "$bpid" 2>/dev/null || true
		kill "$bpid" 2>/dev/null || true
		exit 1
	fi
	wait "$bpid" || rc=$?
	cat "$log"
	[ "$rc" = 0 ] || die "bindgen-cli $BINDGEN_VERSION: not installed (log $log)"
}

ensure_tree() {
	if git -C "$SRC" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null 2>&1; then
		info "kernel tree: $SRC (Linux $KVER, base $BASE_TAG)"
		return
	fi
	step "unpacking $LINUX_SRC_PKG $LINUX_SRC_VERSION into $SRC"
	unpack_pristine "$SRC"
	info "Linux $KVER, baseline commit $(git -C "$SRC" rev-parse --short HEAD)"
}

# ---- 3. the series ------------------------------------------------------
# kernel-patches/series: one patch per line, followed by the files it adds,
# which live in this repository at their in-tree path (the only copy).
# Patch files hold the message and the diff of upstream files only.
series_lines() { grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/kernel-patches/series"; }

series_stamp() {
	local line
	{
		cat "$TOP/kernel-patches/series"
		while read -r -a line; do
			cat "$TOP/kernel-patches/${line[0]}"
			[ ${#line[@]} -gt 1 ] && (cd "$TOP" && sha256sum "${line[@]:1}")
		done < <(series_lines)
	} | sha256sum | cut -d' ' -f1
}

# The diff part of a patch, without the abbreviated blob ids, for comparing
# what git generates with what the file says (catches offsets and fuzz).
diff_body() { sed -n '/^diff --git /,/^-- $/p' | grep -v -e '^index ' -e '^-- $'; }

# Build the series as commits on $BRANCH without touching the work tree
# (a scratch index), then move the work tree: only files whose content
# changed are rewritten, so make rebuilds only what depends on them.
apply_series() {
	local stamp line patch parent tree commit idx f n=0 info_file files=()
	stamp=$(series_stamp)
	if [ "$(cat "$OUT/series.stamp" 2>/dev/null)" = "$stamp" ] &&
		[ "$(git -C "$SRC" rev-parse HEAD)" = "$(cat "$OUT/series.head" 2>/dev/null)" ] &&
		git -C "$SRC" diff --quiet HEAD; then
		info "series: up to date ($(git -C "$SRC" rev-list --count "$BASE_TAG"..HEAD) patches)"
		return
	fi
	step "applying kernel-patches/series to $BASE_TAG"
	idx=$OUT/series.index
	info_file=$OUT/series.info
	parent=$(git -C "$SRC" rev-parse "$BASE_TAG^{commit}")
	GIT_INDEX_FILE=$idx git -C "$SRC" read-tree "$parent"
	while read -r -a line; do
		patch=$TOP/kernel-patches/${line[0]}
		[ -f "$patch" ] || die "series names ${line[0]}, which is not in kernel-patches/"
		n=$((n + 1))
		git -C "$SRC" mailinfo -b "$OUT/series.msg" "$OUT/series.diff" <"$patch" >"$info_file"
		if [ -s "$OUT/series.diff" ] &&
			! GIT_INDEX_FILE=$idx git -C "$SRC" apply --cached --whitespace=error-all "$OUT/series.diff"; then
			die "${line[0]} does not apply to $BASE_TAG plus the patches before it"
		fi
		for f in "${line[@]:1}"; do
			[ -f "$TOP/$f" ] || die "series: ${line[0]} adds $f, which is not in the repository"
			GIT_INDEX_FILE=$idx git -C "$SRC" update-index --add --cacheinfo \
				"100644,$(git -C "$SRC" hash-object -w "$TOP/$f"),$f"
		done
		tree=$(GIT_INDEX_FILE=$idx git -C "$SRC" write-tree)
		commit=$(
			export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE
			GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$info_file")
			GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$info_file")
			GIT_AUTHOR_DATE=$(sed -n 's/^Date: //p' "$info_file")
			export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
			{ sed -n 's/^Subject: //p' "$info_file"; echo; cat "$OUT/series.msg"; } |
				git -C "$SRC" commit-tree "$tree" -p "$parent"
		)
		# No offsets, no fuzz: the hunks git generates must be the file's.
		mapfile -t files < <(git -C "$SRC" diff --name-only "$parent" "$commit" |
			grep -vxF -f <(printf '%s\n' "${line[@]:1}") || true)
		if ! cmp -s <(diff_body <"$patch") \
			<([ ${#files[@]} -eq 0 ] || git -C "$SRC" diff --no-color "$parent" "$commit" -- "${files[@]}" | diff_body); then
			die "${line[0]} applies only with offsets or differs from what git generates; regenerate it with scripts/refresh-patches"
		fi
		info "[$n] $(git -C "$SRC" log -1 --format=%s "$commit")"
		parent=$commit
	done < <(series_lines)
	rm -f "$idx" "$info_file" "$OUT/series.msg" "$OUT/series.diff"
	git -C "$SRC" update-ref "refs/heads/$BRANCH" "$parent"
	git -C "$SRC" symbolic-ref HEAD "refs/heads/$BRANCH"
	git -C "$SRC" reset -q --hard "$parent"
	echo "$stamp" >"$OUT/series.stamp"
	echo "$parent" >"$OUT/series.head"
}

# ---- 4. configure and build ---------------------------------------------
# build_dir FLAVOR: out/build/FLAVOR.
build_dir() { echo "$OUT/build/$1"; }

# The kernel flavours: tinyconfig plus these fragments, merged in order (a
# later fragment overrides an earlier one).
#   main      the main job's kernel (scripts/run), with what running the
#             host's programs needs (Kconfig.host.fragment: 9p, overlayfs)
#   debug     lockdep, DEBUG_LIST, kgdb, DWARF: the suite's first kernel;
#             also boots a Debian VM (Kconfig.vagrant.fragment: virtio,
#             ext4, what systemd and sshd need), the Vagrant debuggee, and
#             the host's programs (Kconfig.host.fragment)
#   hardened  debug (without the VM part) + KASAN, UBSAN, NO_HZ_FULL,
#             cgroups, NR_CPUS=64
#   up        debug (without the VM part) with CONFIG_SMP=n and CONFIG_MYCALL=n
fragments() {
	FRAGS=("$TOP/Kconfig.fragment")
	case $1 in
	main) FRAGS+=("$TOP/Kconfig.host.fragment") ;;
	debug) FRAGS+=("$TOP/Kconfig.debug.fragment" "$TOP/Kconfig.vagrant.fragment" "$TOP/Kconfig.host.fragment") ;;
	hardened | up) FRAGS+=("$TOP/Kconfig.debug.fragment" "$TOP/Kconfig.$1.fragment") ;;
	*) die "unknown kernel flavour '$1'" ;;
	esac
}

configure() {
	local flavor=$1 b stamp opt bad=()
	b=$(build_dir "$flavor")
	mkdir -p "$b"
	fragments "$flavor"
	stamp=$(cat "${FRAGS[@]}" "$OUT/series.head" | sha256sum | cut -d' ' -f1)
	if [ -f "$b/.config" ] && [ "$(cat "$b/config.stamp" 2>/dev/null)" = "$stamp" ]; then
		info "config ($flavor): up to date"
		return
	fi
	step "configuring $flavor kernel: tinyconfig + ${FRAGS[*]##*/}"
	"${KMAKE[@]}" -s O="$b" tinyconfig >/dev/null
	cat "${FRAGS[@]}" >>"$b/.config"
	"${KMAKE[@]}" -s O="$b" olddefconfig >"$b/config.log" 2>&1 ||
		die "make olddefconfig failed; see $b/config.log"
	# The last setting of each option across the fragments must stick.
	while IFS= read -r opt; do
		case $opt in
		*=n) ! grep -q "^${opt%=n}=" "$b/.config" || bad+=("$opt") ;;
		*) grep -qxF "$opt" "$b/.config" || bad+=("$opt") ;;
		esac
	done < <(cat "${FRAGS[@]}" | grep '^CONFIG_' | tac | awk -F= '!seen[$1]++')
	[ ${#bad[@]} -eq 0 ] || die "these options did not survive olddefconfig (a missing dependency?): ${bad[*]}"
	"${KMAKE[@]}" -s O="$b" rustavailable >/dev/null || die "make rustavailable failed"
	echo "$stamp" >"$b/config.stamp"
}

build_kernel() {
	local flavor=$1 b rc
	b=$(build_dir "$flavor")
	step "building $flavor kernel (make LLVM=1 -j$JOBS; full log: $b/build.log)"
	# Show the Rust, link and warning lines; the C compile lines go to the log.
	{
		"${KMAKE[@]}" O="$b" -j"$JOBS" bzImage scripts_gdb 2>&1
		echo $? >"$b/build.rc"
	} | tee "$b/build.log" | grep --line-buffered -v -E '^ +(CC|AS|AR|HOSTCC|CPP|WRAP|SYSHDR|SYSTBL|UPD|CHK|MKCAP|TEST|POLICY|CHKSHA1|HYPERCALLS) ' || true
	rc=$(cat "$b/build.rc")
	[ "$rc" = 0 ] || die "kernel build failed (make exit $rc); see $b/build.log"
	info "bzImage: $b/arch/x86/boot/bzImage ($(du -h "$b/arch/x86/boot/bzImage" | cut -f1))"
}

# ---- 5. guest userland ----------------------------------------------------
GUEST_TARGET=x86_64-unknown-linux-gnu
GUEST_BIN=$OUT/cargo/$GUEST_TARGET/release
GUEST_PROGRAMS=(srtest sched-random)
# The bug corpus (tests/corpus/*.c): small C programs with one known
# concurrency bug each, for `sched-random hunt`; in the guest as /corpus/NAME.
CORPUS_BIN=$OUT/corpus
# Debian tools copied into the guest with their shared libraries.
HOST_TOOLS=(/usr/bin/schedtool)

build_guest_programs() {
	step "building guest programs (cargo, static)"
	RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR="$OUT/cargo" \
		cargo build --quiet --release --locked --target "$GUEST_TARGET" --manifest-path "$TOP/Cargo.toml" ||
		die "cargo build of the guest programs failed"
	build_corpus "$CORPUS_BIN" -static || die "cc of the corpus failed (above)"
	build_kselftests
}

# ---- the series' kselftests ------------------------------------------------
# tools/testing/selftests/sched_random (patch 19): C programs on
# kselftest_harness.h, built on the host from $SRC against the series' uapi
# headers (make headers into $KSELFTEST_OUT/hdr, passed as KHDR_INCLUDES as
# lib.mk does), statically linked, and packed into every initramfs as
# /kselftest/NAME; tests/initramfs/init runs them after srtest in
# srmode=test, scripts/test counts their TAP (kselftest_results()).
KSELFTEST_DIR=tools/testing/selftests/sched_random
KSELFTEST_OUT=$OUT/kselftest
KSELFTEST_BIN=$KSELFTEST_OUT/sched_random

# kselftest_programs: the kselftest binaries' names, one per line (none if
# $SRC predates them).
kselftest_programs() {
	[ -f "$SRC/$KSELFTEST_DIR/Makefile" ] || return 0
	make -s --no-print-directory -C "$SRC/$KSELFTEST_DIR" OUTPUT="$KSELFTEST_BIN" COLLECTION=sched_random emit_tests |
		sed -n 's/^sched_random://p'
}

build_kselftests() {
	if [ ! -f "$SRC/$KSELFTEST_DIR/Makefile" ]; then
		info "kselftests: none in $SRC ($KSELFTEST_DIR)"
		return 0
	fi
	mkdir -p "$KSELFTEST_BIN"
	if ! { make -s -C "$SRC" O="$KSELFTEST_OUT/hdr" headers &&
		make -s -C "$SRC/$KSELFTEST_DIR" OUTPUT="$KSELFTEST_BIN" \
			KHDR_INCLUDES="-isystem $KSELFTEST_OUT/hdr/usr/include" USERLDFLAGS=-static
	} >"$KSELFTEST_OUT/build.log" 2>&1; then
		tail -n 20 "$KSELFTEST_OUT/build.log" >&2
		die "building the kselftests failed (log $KSELFTEST_OUT/build.log)"
	fi
	info "kselftests: $(kselftest_programs | wc -l) programs in $KSELFTEST_BIN"
}

# gen_init_cpio lines for the kselftest binaries.
kselftest_cpio_list() {
	local f
	echo "dir /kselftest 755 0 0"
	for f in $(kselftest_programs); do
		echo "file /kselftest/$f $KSELFTEST_BIN/$f 755 0 0"
	done
}

# The corpus programs' names, one per line.
corpus_programs() {
	local f
	for f in "$TOP"/tests/corpus/*.c; do
		basename "$f" .c
	done
}

# build_corpus DIR [CFLAGS...]: every corpus program into DIR (those older
# than their source or corpus.h); fails if one does not build.
build_corpus() {
	local dir=$1 name src rc=0
	shift
	mkdir -p "$dir"
	for name in $(corpus_programs); do
		src=$TOP/tests/corpus/$name.c
		[ "$dir/$name" -nt "$src" ] && [ "$dir/$name" -nt "$TOP/tests/corpus/corpus.h" ] && continue
		cc -O2 -Wall -Wextra -Werror -pthread "$@" -o "$dir/$name" "$src" || rc=1
	done
	return $rc
}

# build_sync_points: the sync-points preload library
# (userspace/sync-points/sync_points.c) into SYNC_POINTS_LIB with the
# host's cc, when out of date (scripts/bench --corpus; scripts/run-in
# --sync-points builds the same file).
SYNC_POINTS_LIB=$OUT/sync-points/libsr-sync-points.so
build_sync_points() {
	local src=$TOP/userspace/sync-points/sync_points.c
	[ "$SYNC_POINTS_LIB" -nt "$src" ] && return 0
	mkdir -p "${SYNC_POINTS_LIB%/*}"
	cc -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -pthread \
		-o "$SYNC_POINTS_LIB.$$" "$src" -ldl || return 1
	mv -f "$SYNC_POINTS_LIB.$$" "$SYNC_POINTS_LIB"
}

# gen_init_cpio lines for HOST_TOOLS, their libraries and the directories
# that hold them (symlinks such as /lib64/ld-linux-x86-64.so.2 resolved).
host_tools_cpio_list() {
	local f files=() dirs
	for f in "${HOST_TOOLS[@]}"; do
		files+=("$f")
		mapfile -t -O "${#files[@]}" files < <(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
	done
	dirs=$(printf '%s\n' "${files[@]}" | xargs -n1 dirname | sort -u |
		awk '{n = split($0, p, "/"); d = ""; for (i = 2; i <= n; i++) {d = d "/" p[i]; print d}}' | sort -u)
	for f in $dirs; do
		[ "$f" = /bin ] || echo "dir $f 755 0 0"
	done
	for f in $(printf '%s\n' "${files[@]}" | sort -u); do
		echo "file $f $(readlink -f "$f") 755 0 0"
	done
}

# initramfs FLAVOR: busybox, /init and our static programs, as a gzip cpio
# made by the kernel's own gen_init_cpio (no root needed for /dev/console).
build_initramfs() {
	local flavor=$1 list img f files
	img=$OUT/initramfs-$flavor.cpio.gz
	list=$OUT/initramfs-$flavor.list
	mkdir -p "$TOOLS/bin"
	[ "$TOOLS/bin/gen_init_cpio" -nt "$SRC/usr/gen_init_cpio.c" ] ||
		cc -O2 -o "$TOOLS/bin/gen_init_cpio" "$SRC/usr/gen_init_cpio.c"
	{
		printf '%s\n' "dir /dev 755 0 0" "nod /dev/console 600 0 0 c 5 1" "dir /bin 755 0 0" \
			"dir /proc 755 0 0" "dir /sys 755 0 0" "dir /tmp 1777 0 0" \
			"file /init $TOP/tests/initramfs/init 755 0 0" \
			"file /bin/busybox /bin/busybox 755 0 0"
		for f in "${GUEST_PROGRAMS[@]}"; do
			echo "file /bin/$f $GUEST_BIN/$f 755 0 0"
		done
		echo "dir /corpus 755 0 0"
		for f in $(corpus_programs); do
			echo "file /corpus/$f $CORPUS_BIN/$f 755 0 0"
		done
		host_tools_cpio_list
		kselftest_cpio_list
	} >"$list.new"
	mapfile -t files < <(awk '$1 == "file" {print $3}' "$list.new")
	if [ -f "$img" ] && cmp -s "$list" "$list.new" && [ -z "$(find "${files[@]}" -newer "$img")" ]; then
		rm -f "$list.new"
		info "initramfs ($flavor): up to date"
		return
	fi
	mv "$list.new" "$list"
	"$TOOLS/bin/gen_init_cpio" "$list" | gzip -n -9 >"$img"
	info "initramfs: $img ($(du -h "$img" | cut -f1))"
}

# ---- 6. booting the guest -----------------------------------------------
# KVM only where a probe shows it works (on some hosts /dev/kvm exists but
# the guest hangs after the BIOS); the result is cached in out/accel.
accel() {
	local b=$1 why
	if [ -f "$OUT/accel" ]; then cat "$OUT/accel"; return; fi
	if [ ! -w /dev/kvm ]; then why="no writable /dev/kvm"
	elif ! grep -qw -E 'vmx|svm' /proc/cpuinfo; then why="no vmx/svm CPU flag"
	elif timeout 30 qemu-system-x86_64 -accel kvm -m 256 -smp 1 -display none -monitor none \
		-no-reboot -serial stdio -kernel "$b/arch/x86/boot/bzImage" \
		-initrd "$OUT/initramfs-main.cpio.gz" -append "console=ttyS0 panic=-1 srmode=probe" \
		</dev/null 2>&1 | grep "^SR-END" >/dev/null; then
		why="probe boot under KVM reached init"
		echo kvm >"$OUT/accel"
	else why="probe boot under KVM did not reach init in 30 s"
	fi
	[ -f "$OUT/accel" ] || echo tcg >"$OUT/accel"
	info "accelerator: $(cat "$OUT/accel") ($why)" >&2
	cat "$OUT/accel"
}

# tsc_early_khz: sets TSC_ARG to "tsc_early_khz=RATE " with the host's TSC
# rate in kHz (tests/tsc-khz, built with the guest programs; about 0.6 s
# per boot), or to nothing, with a warning, where it cannot be measured
# (FLAVOR.clocksource in scripts/test then shows whether the guest
# managed by itself). Under TCG without -icount the guest's rdtsc reads
# the host's TSC, and under KVM without TSC scaling the guest's TSC runs
# at the host's rate as well.
tsc_early_khz() {
	local khz
	TSC_ARG=
	[ -x "$GUEST_BIN/tsc-khz" ] || die "no $GUEST_BIN/tsc-khz: build the guest programs first"
	if khz=$("$GUEST_BIN/tsc-khz") && [[ $khz =~ ^[1-9][0-9]*$ ]]; then
		TSC_ARG="tsc_early_khz=$khz "
	else
		info "warning: host TSC rate unknown (tests/tsc-khz failed): the guest calibrates it" >&2
	fi
}

# qemu_args FLAVOR APPEND: sets QEMU to the command line every boot shares:
# 4 CPUs (SR_SMP=N for another count), ttyS0 on the chardev "con" (the
# caller defines it), ttyS1 on a unix socket at $KGDB_SOCK for kgdb, our
# kernel and initramfs.
# Every guest keeps time with the TSC (tsc=reliable). QEMU's TCG TSC
# follows the host's clock and agrees across vCPUs, but on a busy host the
# clocksource watchdog sees it skew against the HPET and switches to the
# HPET: a 32-bit counter (wraps every 42.9 s, so a longer kgdb stop stalls
# sched_clock; README, Debugging) whose every read is an MMIO exit that
# takes QEMU's global lock, so vCPUs wait on each other when the host
# preempts one. On the suite's consoles, 4 of 6 boots had switched.
qemu_args() {
	local flavor=$1 append=$2 b smp=${SR_SMP:-4}
	b=$(build_dir "$flavor")
	[ -f "$b/arch/x86/boot/bzImage" ] || die "no $flavor kernel in $b: build it first"
	if ! grep -q '^CONFIG_ACPI=y' "$b/.config"; then
		# Without ACPI the kernel finds the CPUs in SeaBIOS's MP table,
		# which lists one per socket: one socket per CPU, then (unless
		# SR_SMP gives a topology of its own).
		case $smp in *[!0-9]*) ;; *) smp="$smp,sockets=$smp" ;; esac
		# Nor has it an HPET or a PM timer: when its PIT calibration
		# fails, as it does on a busy host, it marks the TSC unstable and
		# keeps time with jiffies (no hrtimers, so no hrtick). The
		# guest's TSC is the host's, so it gets the host's rate.
		tsc_early_khz
		append="$TSC_ARG$append"
	fi
	QEMU=(qemu-system-x86_64 -accel "$(accel "$b")" -smp "$smp" -m 1024 -display none -no-reboot
		-serial chardev:con
		-chardev "socket,id=kgdb,path=$KGDB_SOCK,server=on,wait=off" -serial chardev:kgdb
		-kernel "$b/arch/x86/boot/bzImage" -initrd "$OUT/initramfs-$flavor.cpio.gz"
		-append "console=ttyS0,115200 tsc=reliable $append")
	rm -f "$KGDB_SOCK"
}

# check_boot LOG RC LIMIT [MODE]: fails unless the guest behind LOG
# finished and its init's command succeeded (SR-END rc=0; in srmode=test
# also rc=1, which says a test failed: scripts/test counts those).
check_boot() {
	local log=$1 rc=$2 limit=$3 mode=${4:-} end
	ln -sf "$(basename "$log")" "$OUT/console.log"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		die "guest watchdog: no poweroff within ${limit}s (hung?); console log: $log"
	fi
	if grep -q 'Kernel panic' "$log"; then
		die "guest kernel panicked; console log: $log"
	fi
	[ "$rc" = 0 ] || die "qemu exited with status $rc; console log: $log"
	end=$(tr -d '\r' <"$log" | sed -n 's/^SR-END rc=\([0-9]*\)$/\1/p' | tail -n 1)
	[ -n "$end" ] || die "guest init did not finish (no SR-END); console log: $log"
	case $mode:$end in
	*:0 | test:1) ;;
	*) die "the guest's srmode=$mode command failed (SR-END rc=$end); console log: $log" ;;
	esac
}

# boot_guest FLAVOR MODE TIMEOUT [EXTRA_APPEND [TAG]]
# Console (ttyS0) goes to the terminal, filtered to the guest's own lines,
# and in full to out/console-TAG.log (TAG defaults to MODE); the guest's
# ttyS2 (srmode=test's result lines) to out/results-TAG.log. Fails on
# timeout, panic, no SR-END or a failed init command (check_boot).
boot_guest() {
	local flavor=$1 mode=$2 limit=$3 append=${4:-} tag=${5:-$2} log rc
	log=$OUT/console-$tag.log
	rm -f "$OUT/results-$tag.log"
	qemu_args "$flavor" "panic=-1 oops=panic srmode=$mode $append"
	step "booting the $flavor kernel under QEMU (${QEMU[2]}, ${SR_SMP:-4} CPUs, srmode=$mode, watchdog ${limit}s; console: $log)"
	set +e
	timeout --kill-after=10 "$limit" "${QEMU[@]}" -monitor none \
		-chardev "stdio,id=con,logfile=$log,signal=off" \
		-chardev "file,id=res,path=$OUT/results-$tag.log" -serial chardev:res </dev/null |
		tr -d '\r' | grep --line-buffered -v -E '^\[ *[0-9]+\.[0-9]+\] '
	rc=${PIPESTATUS[0]}
	set -e
	check_boot "$log" "$rc" "$limit" "$mode"
}

# Kernel messages that fail a run even when every test passed (lockdep,
# DEBUG_LIST and atomic-sleep reports all start with BUG: or WARNING:).
# A user program's crash counts too (srtest's own panics and faults: the
# kernel logs "segfault at" and OOM kills; Rust's "panicked at" on stderr).
SPLAT_RE='segfault at|panicked at|Out of memory:|BUG:|WARNING:|UBSAN:|Oops|Call Trace:|general protection fault|Kernel panic|soft lockup|hard LOCKUP|rcu: INFO:|self-detected stall|detected stalls|blocked for more than|INFO: lockdep is turned off|list_add corruption|list_del corruption|scheduling while atomic|sleeping function called from invalid context'

# Prints the splat lines of a console log; fails if there are any.
scan_console() {
	local log=$1 hits
	hits=$(tr -d '\r' <"$log" | grep -E "$SPLAT_RE" || true)
	[ -z "$hits" ] && return 0
	printf '%s\n' "$hits" | head -n 20
	return 1
}

# kgdb plants breakpoints in read-only kernel text with text_poke() from its
# debug exception; lockdep reports the poking mm's PTE lock as taken in NMI
# context ("inconsistent {INITIAL USE} -> {IN-NMI} usage"). That report
# comes from the debugger's own machinery, not from this series; it is cut
# from the kgdb boot's console before the usual scan, and only that one.
drop_kgdb_poke_splat() {
	awk '
		/WARNING: inconsistent lock state/ { hold = 1; n = 0 }
		hold { buf[n++] = $0; if ($0 ~ /kgdb_arch_(set|remove)_breakpoint/) kgdb = 1
		       if ($0 ~ /<\/TASK>/) { if (!kgdb) for (i = 0; i < n; i++) print buf[i]; hold = kgdb = 0 }
		       next }
		{ print }
		END { if (hold) for (i = 0; i < n; i++) print buf[i] }
	' "$1"
}

# ---- 7. the mailable series ---------------------------------------------
# export_series DIR: git format-patch --cover-letter --base of the series.
export_series() {
	local dir=$1 n
	rm -rf "$dir"
	n=$(git -C "$SRC" rev-list --count "$BASE_TAG"..HEAD)
	git -C "$SRC" format-patch -q --cover-letter --base="$BASE_TAG" --zero-commit \
		-o "$dir" "$BASE_TAG"..HEAD
	# The cover letter: subject and blurb from kernel-patches/cover-letter.
	python3 - "$dir"/0000-cover-letter.patch "$TOP/kernel-patches/cover-letter" <<'PY'
import sys
p, src = sys.argv[1], sys.argv[2]
text = open(p).read()
subject, _, blurb = open(src).read().partition("\n\n")
text = text.replace("*** SUBJECT HERE ***", subject.strip(), 1)
text = text.replace("*** BLURB HERE ***", blurb.strip(), 1)
open(p, "w").write(text)
PY
	info "exported $n patches and a cover letter to $dir"
}

# bg_status FLAVOR: where build_background leaves build_one's exit code for
# FLAVOR once its build has ended.
bg_status() { echo "$OUT/build-$1.bg"; }
BG_DONE=$OUT/build-background.done

# build_background FLAVOR...: build_one for each flavour, one after the
# other, each leaving its bg_status, and $BG_DONE when all have ended (or
# this was stopped). Run it in a session of its own (setsid), which it
# gives the lowest priority: nice 19, and with autogroups on (they are on
# Debian) the session's group too, since nice only orders the tasks of one
# group and a daemon's guests (libvirtd's) sit in another.
build_background() {
	local flavor rc
	trap 'touch "$BG_DONE"' EXIT
	renice -n 19 -p $$ >/dev/null
	[ ! -w /proc/self/autogroup ] || echo 19 >/proc/self/autogroup
	for flavor in "$@"; do
		rc=0
		# A background job, so that errexit holds inside it.
		build_one "$flavor" &
		wait $! || rc=$?
		echo "$rc" >"$(bg_status "$flavor").new"
		mv "$(bg_status "$flavor").new" "$(bg_status "$flavor")"
	done
}

# build_one FLAVOR: configure and build_kernel.
build_one() {
	local t=$SECONDS
	configure "$1"
	build_kernel "$1"
	info "$1 kernel: configured and built in $((SECONDS - t)) s"
}

# prepare FLAVOR: everything up to a bootable kernel and initramfs.
prepare() {
	local flavor=$1
	timed install ensure_packages
	timed unpack ensure_tree_and_bindgen
	timed series apply_series
	timed configure configure "$flavor"
	timed build build_kernel "$flavor"
	timed guest build_guest_programs
	timed initramfs build_initramfs "$flavor"
}
