#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# On the debugger VM: gdb on the host-built vmlinux (from /sr, with its
# vmlinux-gdb.py: the lx-* commands), attached to kgdb on the debuggee over
# /dev/ttyS1 (the two VMs' second serial ports are joined by a host
# socket). The debuggee must be stopped in kgdb first: on the debuggee,
# 'echo g | sudo tee /proc/sysrq-trigger'. Extra arguments go to gdb, e.g.
#   /sr/gdb-on-ttyS1.sh -batch -x /sr/e2e.gdb
set -euo pipefail
sr=${SR_STAGE_DIR:-/sr}
[ -f "$sr/vmlinux" ] || { echo "no $sr/vmlinux: stage it on the host (scripts/vagrant-e2e)" >&2; exit 1; }
if ! { [ -r /dev/ttyS1 ] && [ -w /dev/ttyS1 ]; }; then
	echo "cannot open /dev/ttyS1 (group dialout; log in again after provisioning)" >&2
	exit 1
fi
subst=()
[ ! -f "$sr/src.path" ] || subst=(-iex "set substitute-path $(cat "$sr/src.path") $sr/src")
exec gdb -q -iex "add-auto-load-safe-path $sr" -iex "set pagination off" "${subst[@]}" \
	-iex "directory $sr/src" -ex 'set serial baud 115200' -ex 'target remote /dev/ttyS1' "$@" "$sr/vmlinux"
