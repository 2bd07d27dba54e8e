#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# On the debugger VM: gdb on the packaged vmlinux, talking to kgdb on the
# debuggee over /dev/ttyS1 (both VMs' second serial ports are joined by the
# host socket). Break into the debuggee first: 'echo g > /proc/sysrq-trigger'.
set -euo pipefail
debs=/vagrant/out/debs
[ -f "$debs/vmlinux" ] || { echo "no $debs/vmlinux: provision the debugger first" >&2; exit 1; }
exec gdb -q -iex "add-auto-load-safe-path $debs" -ex 'set serial baud 115200' \
	-ex 'target remote /dev/ttyS1' "$@" "$debs/vmlinux"
