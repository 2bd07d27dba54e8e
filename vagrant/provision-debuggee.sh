#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debuggee VM, as root: make it run the host-built kernel with kgdb on the
# second serial port (ttyS1), the console staying on ttyS0. No kernel is
# built here. Idempotent.
#
# libvirt boots the kernel directly (Vagrantfile: libvirt.kernel and
# cmd_line): check that it did. A box with a bootloader (VirtualBox's
# debian/bookworm64) gets /sr/bzImage in /boot and a GRUB entry of its own,
# the default; 'vagrant reload debuggee' then boots it.
set -euo pipefail
args=${SR_KGDB_ARGS:-kgdboc=ttyS1,115200 nokaslr tsc=reliable rcupdate.rcu_cpu_stall_timeout=300}
kernel=/sr/bzImage
[ -f "$kernel" ] || { echo "no $kernel: stage the kernel first (scripts/vagrant-e2e)" >&2; exit 1; }
[ -x /sr/bin/srtest ] || { echo "no /sr/bin/srtest: stage the demo programs first (scripts/vagrant-e2e)" >&2; exit 1; }

if grep -qw "kgdboc=ttyS1,115200" /proc/cmdline; then
	echo "debuggee: running $(uname -r) with $(grep -o 'kgdboc=[^ ]*' /proc/cmdline) (kgdb on ttyS1)"
	exit 0
fi

if [ ! -d /boot/grub ]; then
	echo "debuggee: kernel $(uname -r) without kgdboc on ttyS1, and no bootloader to install one" >&2
	echo "(libvirt: the Vagrantfile boots $kernel directly; is the box's disk the root at SR_VAGRANT_ROOT?)" >&2
	exit 1
fi

# A bootloader: install the kernel next to Debian's and make it the default.
# It has no initrd, so the root is given as PARTUUID (UUID= needs one).
ver=$(cat /sr/kernel.release 2>/dev/null || echo sched-random)
install -m 0644 "$kernel" "/boot/vmlinuz-$ver"
root=$(findmnt -no SOURCE /)
partuuid=$(lsblk -no PARTUUID "$root" 2>/dev/null || true)
rel=$(grub-mkrelpath "/boot/vmlinuz-$ver")
uuid=$(grub-probe --target=fs_uuid /boot)
cat >/etc/grub.d/09_sched_random <<GRUB
#!/bin/sh
cat <<'ENTRY'
menuentry 'Linux $ver (sched-random, kgdb on ttyS1)' {
	search --no-floppy --fs-uuid --set=root $uuid
	linux $rel root=${partuuid:+PARTUUID=}${partuuid:-$root} ro console=tty0 console=ttyS0,115200 $args
}
ENTRY
GRUB
chmod 0755 /etc/grub.d/09_sched_random
update-grub
echo "debuggee: kernel $ver installed as the default boot entry; 'vagrant reload debuggee' boots it with $args"
