#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debugger VM: build the patched kernel as Debian packages (make LLVM=1
# bindeb-pkg) with the repository's own scripts, from the VM's Debian
# kernel configuration plus Kconfig.fragment and Kconfig.debug.fragment (a
# tinyconfig kernel cannot boot a full Debian VM), and put the packages in
# /vagrant/out/debs for the debuggee. Idempotent: packages that exist are
# kept.
set -euo pipefail
export SR_OUT=$HOME/out   # build on the VM's disk, not the shared folder
# shellcheck source=scripts/lib.sh
. /vagrant/scripts/lib.sh

debs=/vagrant/out/debs
if compgen -G "$debs/linux-image-*.deb" >/dev/null; then
	info "kernel packages already in $debs"
	exit 0
fi
mkdir -p "$OUT" "$debs"
ensure_packages
sudo_ apt-get install -y -qq --no-install-recommends debhelper rsync kmod dwarves >/dev/null
ensure_tree
apply_series

b=$(build_dir vagrant)
mkdir -p "$b"
step "configuring from /boot/config-$(uname -r) + Kconfig.fragment + Kconfig.debug.fragment"
cp "/boot/config-$(uname -r)" "$b/.config"
# Rust needs these off; Debian's signing keys are not available here.
cat "$TOP/Kconfig.fragment" "$TOP/Kconfig.debug.fragment" - >>"$b/.config" <<'CFG'
CONFIG_MODVERSIONS=n
CONFIG_DEBUG_INFO_BTF=n
CONFIG_RANDSTRUCT_NONE=y
CONFIG_SYSTEM_TRUSTED_KEYS=""
CONFIG_SYSTEM_REVOCATION_KEYS=""
CONFIG_MODULE_SIG_KEY="certs/signing_key.pem"
CFG
"${KMAKE[@]}" O="$b" olddefconfig
grep -qx 'CONFIG_SCHED_CLASS_RANDOM=y' "$b/.config" || die "CONFIG_SCHED_CLASS_RANDOM did not survive olddefconfig"
grep -qx 'CONFIG_KGDB_SERIAL_CONSOLE=y' "$b/.config" || die "CONFIG_KGDB_SERIAL_CONSOLE did not survive olddefconfig"

step "make LLVM=1 bindeb-pkg (long)"
"${KMAKE[@]}" O="$b" -j"$JOBS" bindeb-pkg
cp "$b"/../linux-image-*.deb "$b"/../linux-headers-*.deb "$debs"/ 2>/dev/null ||
	cp "$OUT"/build/linux-image-*.deb "$OUT"/build/linux-headers-*.deb "$debs"/
cp "$b/vmlinux" "$debs/vmlinux"
cp -L "$b/vmlinux-gdb.py" "$debs/vmlinux-gdb.py" 2>/dev/null || true
step "packages in $debs"
