#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# PID 1 of the VM tier's guest (buildtools/vm/run.sh boots it with init=<this file>).
# The root filesystem is the host's, shared read-only over 9p: the freshly built
# binaries run with the host's shared libraries. Parameters come on the kernel command
# line: svapoll.top=<clone> svapoll.build=<build dir> svapoll.suites=<a,b,...>
# svapoll.mode=test|shell svapoll.suite_timeout=<s>.
#
# Report protocol on the console (run.sh parses it; nothing else prints these):
#   @@svapoll-vm begin <suite>
#   ... the suite's own output, with sva-test's 'sva-test: N passed, N failed, N skipped'
#   @@svapoll-vm end <suite> rc=<exit status>
#   @@svapoll-vm done
# then the guest powers off. A guest that never says 'done' was hung or crashed.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
param() { tr ' ' '\n' </proc/cmdline | sed -n "s/^svapoll\.$1=//p" | tail -n1; }
top=$(param top)

mount -t tmpfs tmpfs /run
# The guest needs a writable /tmp; a clone that lives under the host's /tmp (CI's may)
# must stay visible through it: keep the host's /tmp at /run/host-tmp and bind the
# clone back to its own path inside the new /tmp.
mkdir -p /run/host-tmp && mount --bind /tmp /run/host-tmp
mount -t tmpfs tmpfs /tmp
case $top in
/tmp/*)
	mkdir -p "$top"
	mount --bind "/run/host-tmp/${top#/tmp/}" "$top" ||
		echo "@@svapoll-vm error: cannot bind the clone $top back over the guest's /tmp" ;;
esac
mkdir -p /dev/hugepages 2>/dev/null && mount -t hugetlbfs hugetlbfs /dev/hugepages 2>/dev/null
echo 64 >/proc/sys/vm/nr_hugepages 2>/dev/null

build=$(param build)
mode=$(param mode)
suite_timeout=$(param suite_timeout)
suites=$(param suites | tr ',' ' ')
: "${suite_timeout:=300}"

off() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
}

# QEMU's edu device (1234:11e8) onto vfio-pci: /dev/vfio/devices/vfio0 for the VFIO suite.
edu=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
		edu=$(basename "$d")
		echo vfio-pci >"$d/driver_override"
		echo "$edu" >/sys/bus/pci/drivers_probe 2>/dev/null
	fi
done
export SVA_EDU_BDF=$edu
# iommufd_autotest's real-hardware case binds the device named here.
export SVA_IOMMUFD_DEV=$edu

echo "@@svapoll-vm guest up: $(uname -r), $(nproc) CPUs, edu ${edu:-absent}," \
	"iommu: $(ls /sys/class/iommu 2>/dev/null | tr '\n' ' ')"

if [ "$mode" = shell ]; then
	echo "svapoll VM shell: the clone is $top (read-only); 'exit' powers off."
	cd "$top" 2>/dev/null || cd /
	setsid bash -c 'exec bash -i </dev/ttyS0 >/dev/ttyS0 2>&1'
	off
fi

cd "$top" || { echo "@@svapoll-vm error: no clone at '$top'"; echo "@@svapoll-vm done"; off; }
export MALLOC_PERTURB_=0
for s in $suites; do
	echo "@@svapoll-vm begin $s"
	case $s in
	*.sh)  # a check script of buildtools/vm (prints the sva-test summary line itself)
		timeout -k 5 "$suite_timeout" bash "buildtools/vm/$s" "$top" "$build" ;;
	*)
		timeout -k 5 "$suite_timeout" "$build/app/test/sva-test" -l 0-1 --no-huge -m 512 \
			--no-pci --no-shconf --file-prefix="vm-$s" --log-level='lib.sva.*:notice' \
			-- "$s" ;;
	esac
	echo "@@svapoll-vm end $s rc=$?"
done
echo "@@svapoll-vm done"
off
