#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# doctor_smoke: run sva-doctor on this machine and check that every line has the
# format, that WARN/FAIL lines carry a fix, and that the verdicts match what this
# machine has (worked out here independently of the doctor), exit status 0 included.
set -u
doctor=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() { # expect REGEX WHY
	grep -Eq -- "$1" "$out" || fail "$2 (no line matching: $1)"
}

"$doctor" >"$out" 2>&1
rc=$?
cat "$out"
echo "---- checks"
[ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (the emu default can run here)"

# format: every line is [ OK ]/[WARN]/[FAIL]/[INFO] <check>: <finding>
bad=$(grep -Evc '^\[( OK |WARN|FAIL|INFO)\] [^:]+: .+' "$out")
[ "$bad" -eq 0 ] || fail "$bad line(s) not in the '[VERDICT] check: finding' format"
nofix=$(grep -E '^\[(WARN|FAIL)\]' "$out" | grep -vc ' — fix: .')
[ "$nofix" -eq 0 ] || fail "$nofix WARN/FAIL line(s) without ' — fix: '"

kmaj=$(uname -r | cut -d. -f1)
kmin=$(uname -r | cut -d. -f2 | sed 's/[^0-9].*//')
kver=$((kmaj * 100 + kmin))

expect '^\[( OK |WARN)\] kernel: Linux '"$(uname -r | sed 's/[.[\*^$]/\\&/g')" "kernel line names the running kernel"
if [ "$kver" -ge 615 ]; then
	expect '^\[ OK \] kernel: .*fault queue on IOAS page tables \(6\.13\)' "kernel >= 6.15: OK with the fault-queue features"
fi

if [ ! -e /dev/iommu ]; then
	expect '^\[WARN\] /dev/iommu: absent: real hardware \(the iommufd driver\) cannot be used; the emu default is unaffected — fix: kernel built without CONFIG_IOMMUFD or module not loaded' \
		"no /dev/iommu here: absent with the driver's fix text"
	expect '^\[INFO\] summary: the emu default can run here: yes; real hardware \(iommufd\): absent \(.*no /dev/iommu' \
		"summary says real hardware is absent"
else
	expect '^\[( OK |WARN)\] /dev/iommu: present' "/dev/iommu present"
fi
if [ -z "$(ls /dev/vfio/devices 2>/dev/null)" ]; then
	expect '^\[WARN\] VFIO cdevs: none in /dev/vfio/devices — fix: bind a device to vfio-pci' "no VFIO cdevs"
fi
if [ -z "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ]; then
	expect '^\[WARN\] IOMMU groups: none: no IOMMU is enabled' "no IOMMU groups"
fi
npci=$(ls /sys/bus/pci/devices 2>/dev/null | wc -l)
got=$(grep -Ec '^\[( OK |INFO)\] pci: [0-9a-f]{4}:' "$out")
[ "$got" -eq "$npci" ] || fail "$got pci lines for $npci PCI devices"

expect '^\[ OK \] MADV_POPULATE: ' "MADV_POPULATE_READ/WRITE present (Linux $(uname -r))"
expect '^\[ OK \] pagemap: ' "/proc/self/pagemap readable"
if [ -e /dev/userfaultfd ] || [ "$(id -u)" -eq 0 ]; then
	expect '^\[ OK \] userfaultfd: available' "userfaultfd available"
fi
if [ "$kver" -ge 607 ]; then
	expect '^\[ OK \] PAGEMAP_SCAN: works \(2 present ranges' "PAGEMAP_SCAN on Linux >= 6.7"
else
	expect '^\[WARN\] PAGEMAP_SCAN: ' "no PAGEMAP_SCAN before 6.7"
fi
if grep -q ' hugetlbfs .*pagesize=2M' /proc/mounts && [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)" -gt 0 ]; then
	expect '^\[ OK \] hugepages: 2 MiB: [0-9]+ reserved, [0-9]+ free, mounted at /' "2 MiB hugepages reserved and mounted"
fi
expect '^\[ OK \] numa: [0-9]+ node\(s\) online' "NUMA line"
expect 'the emu default can run here: yes' "summary: emu can run"

# The config-space parser on a fake PCI tree (this machine has no PASID/PRI device):
# an SVA endpoint (ATS -> PRI -> PASID 20 bits +exec +priv), a device whose capability
# list loops on itself (must stop), and a conventional 256-byte one.
fake=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$fake"' EXIT
python3 - "$fake" <<'PY' || fail "could not build the fake PCI tree"
import os, struct, sys
root = sys.argv[1]
def dev(bdf, cfg, vendor, device, cls, node, driver):
    d = os.path.join(root, bdf)
    os.makedirs(d)
    for name, val in (("vendor", vendor), ("device", device), ("class", cls), ("numa_node", node)):
        open(os.path.join(d, name), "w").write(val + "\n")
    open(os.path.join(d, "config"), "wb").write(bytes(cfg))
    if driver:
        os.makedirs(os.path.join(root, "drivers", driver), exist_ok=True)
        os.symlink(os.path.join(root, "drivers", driver), os.path.join(d, "driver"))
def hdr(cap_id, nxt):
    return struct.pack("<I", cap_id | 1 << 16 | nxt << 20)
sva = bytearray(4096)
sva[0x100:0x104] = hdr(0x0f, 0x140)                  # ATS
sva[0x140:0x144] = hdr(0x13, 0x180)                  # PRI
sva[0x148:0x14c] = struct.pack("<I", 512)            # outstanding request capacity
sva[0x180:0x184] = hdr(0x1b, 0)                      # PASID
sva[0x184:0x186] = struct.pack("<H", 20 << 8 | 0x6)  # 20 bits, exec, priv
dev("0000:3b:00.0", sva, "0x8086", "0x0b25", "0x080700", "1", "vfio-pci")
loop = bytearray(4096)
loop[0x100:0x104] = hdr(0x0f, 0x100)                 # ATS pointing at itself
dev("0000:5e:00.0", loop, "0x15b3", "0x101d", "0x020000", "-1", None)
dev("0000:00:03.0", bytearray(256), "0x1af4", "0x1041", "0x020000", "-1", "virtio-pci")
PY
fout=$(SVA_DOCTOR_PCI_ROOT="$fake" "$doctor")
echo "$fout" | grep -E '^\[( OK |WARN|INFO)\] (pci|SVA endpoints|summary):'
echo "$fout" | grep -Fqx '[ OK ] pci: 0000:3b:00.0 [8086:0b25 class 080700] driver vfio-pci, NUMA node 1: PASID 20 bits +exec +priv, PRI (512 outstanding requests), ATS yes: an SVA endpoint' ||
	fail "fake SVA endpoint not parsed as PASID 20 bits +exec +priv, PRI 512, ATS"
echo "$fout" | grep -Fqx '[INFO] pci: 0000:5e:00.0 [15b3:101d class 020000] driver none, NUMA node -: PASID no, PRI no, ATS yes' ||
	fail "looping capability list not handled"
echo "$fout" | grep -Fqx '[INFO] pci: 0000:00:03.0 [1af4:1041 class 020000] driver virtio-pci, NUMA node -: PASID no, PRI no, ATS no (config space 256 bytes: no PCIe extended capabilities)' ||
	fail "256-byte config space not reported"
echo "$fout" | grep -Fqx '[ OK ] SVA endpoints: 1 PCI device(s) with PASID and PRI' ||
	fail "SVA endpoint count"
echo "$fout" | grep -q 'summary: .*no PCI device with PASID and PRI' &&
	fail "summary still says no PASID+PRI device"

"$doctor" --help >/dev/null || fail "--help exits non-zero"
"$doctor" --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown option must exit 2"

if [ "$fails" -ne 0 ]; then
	echo "doctor_smoke: $fails check(s) failed"
	exit 1
fi
echo "doctor_smoke: all checks passed"
