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
echo "$fout" | grep -Fqx '[ OK ] pci: 0000:3b:00.0 [8086:0b25 class 080700] driver vfio-pci, NUMA node 1, IOMMU none: PASID 20 bits +exec +priv, PRI (512 outstanding requests), ATS yes: an SVA endpoint' ||
	fail "fake SVA endpoint not parsed as PASID 20 bits +exec +priv, PRI 512, ATS"
echo "$fout" | grep -Fqx '[INFO] pci: 0000:5e:00.0 [15b3:101d class 020000] driver none, NUMA node -, IOMMU none: PASID no, PRI no, ATS yes' ||
	fail "looping capability list not handled"
echo "$fout" | grep -Fqx '[INFO] pci: 0000:00:03.0 [1af4:1041 class 020000] driver virtio-pci, NUMA node -, IOMMU none: PASID no, PRI no, ATS no (config space 256 bytes: no PCIe extended capabilities)' ||
	fail "256-byte config space not reported"
echo "$fout" | grep -Fqx '[ OK ] SVA endpoints: 1 PCI device(s) with PASID and PRI' ||
	fail "SVA endpoint count"
echo "$fout" | grep -Fqx '[WARN] I/O page faults: 0000:3b:00.0 [8086:0b25 class 080700]: no IOMMU translates it (no iommu link in sysfs): iommufd cannot use it — fix: enable the IOMMU: VT-d / AMD-Vi / SMMU in the firmware, intel_iommu=on on the kernel line' ||
	fail "a vfio-pci device without an iommu link: WARN, no IOMMU"


# ---- the per-IOMMU fault rules on fake machine trees (--root) ----
# Tree "mixed": Linux 7.3.4, /dev/iommu, VFIO cdevs, every device below bound to vfio-pci:
#   dmar0  VT-d, scalable mode (SMTS, intel_iommu=on,sm_on), PASID 20 bits, PRS, PDS, DT
#   dmar1  VT-d without SMTS (legacy mode only), otherwise the same
#   ivhd0  AMD-Vi with GTSup, GIoSup, PPRSup, EPHSup
#   smmu3.0x0000000009050000  Arm SMMUv3;  iommufd_selftest_iommu.0  the selftest mock
#   10:00.0 dmar0, ATS + PRI (PRG Response PASID Required) + PASID   -> faults (OK)
#   10:00.1 dmar0, SR-IOV VF of 10:00.0 (ATS only)                  -> VF (WARN)
#   11:00.0 dmar0, ATS + PASID, no PRI                               -> no PRI (WARN)
#   12:00.0 dmar0, ATS + PRI without PASID-in-response + PASID       -> WARN naming it
#   13:00.0 dmar0, everything but not bound (not a candidate here)
#   14:00.0 dmar1, ATS + PRI + PASID                                 -> no scalable mode
#   20:00.0 ivhd0, ATS + PRI + PASID                                 -> faults (OK, v2)
#   21:00.0 ivhd0, ATS + PRI, no PASID                               -> AMD: no PASID
#   30:00.0 smmu3, ATS + PRI + PASID                                 -> SMMUv3: no PCI PRI
# Tree "edu": what the VM tier's guest has: QEMU q35 + intel-iommu x-scalable-mode=on
#   (SMTS only: no PRS, PDS, PASID, DT), the selftest mock, the edu device 1234:11e8
#   (conventional PCI: 256-byte config space, no PRI/ATS/PASID) bound to vfio-pci with
#   /dev/vfio/devices/vfio0, /dev/iommu.
# Tree "unbound": the mixed tree with no driver bound: the devices with PASID or PRI get
#   the rules, the others none.
python3 - "$fake" <<'PY' || fail "could not build the fake machine trees"
import os, struct, sys
top = sys.argv[1]

def w(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)

def hdr(cap_id, nxt):
    return struct.pack("<I", cap_id | 1 << 16 | nxt << 20)

def config(ats=False, pri=False, pasid_req=False, pasid=False, size=4096):
    """PCIe extended capabilities from 0x100: header = id [15:0], version [19:16],
    next [31:20]; ATS 0x0f, PRI 0x13 (status at +0x06, bit 15 PRG Response PASID
    Required; capacity at +0x08), PASID 0x1b (capability at +0x04: bits 12:8 width)."""
    c = bytearray(size)
    caps = []
    if ats:
        caps.append((0x0f, b"\x20\x00\x00\x00"))
    if pri:
        status = 0x8000 if pasid_req else 0
        caps.append((0x13, struct.pack("<HHII", 0, status, 256, 0)))
    if pasid:
        caps.append((0x1b, struct.pack("<HH", 20 << 8, 0)))
    off = 0x100
    for i, (cid, body) in enumerate(caps):
        nxt = off + 0x40 if i + 1 < len(caps) else 0
        c[off:off + 4] = hdr(cid, nxt)
        c[off + 4:off + 4 + len(body)] = body
        off += 0x40
    return bytes(c)

KCONFIG = ("IOMMUFD", "VFIO", "VFIO_PCI", "VFIO_DEVICE_CDEV", "IOMMU_IOPF", "PCI_PASID",
           "PCI_PRI", "PCI_ATS", "USERFAULTFD")

def machine(root, cmdline, units, devs, bind=True, unset=None):
    w(f"{root}/proc/sys/kernel/osrelease", "7.3.4-fake\n")
    if unset is not None:  # <root>/proc/config.gz, as CONFIG_IKCONFIG_PROC gives it
        import gzip
        text = "\n".join(f"# CONFIG_{o} is not set" if o in unset else f"CONFIG_{o}=y"
                         for o in KCONFIG + ("INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON",))
        os.makedirs(f"{root}/proc", exist_ok=True)
        with gzip.open(f"{root}/proc/config.gz", "wt") as f:
            f.write("#\n" + text + "\n")
    w(f"{root}/proc/cmdline", cmdline + "\n")
    w(f"{root}/dev/iommu", "")
    os.makedirs(f"{root}/dev/vfio/devices", exist_ok=True)
    for name, files in units.items():
        os.makedirs(f"{root}/sys/class/iommu/{name}", exist_ok=True)
        for rel, val in files.items():
            w(f"{root}/sys/class/iommu/{name}/{rel}", val + "\n")
    pci = f"{root}/sys/bus/pci/devices"
    os.makedirs(f"{root}/sys/bus/pci/drivers/vfio-pci", exist_ok=True)
    ncdev = 0
    for bdf, d in sorted(devs.items()):
        p = f"{pci}/{bdf}"
        for name, val in (("vendor", d["vendor"]), ("device", d["device"]),
                          ("class", d["class"]), ("numa_node", "-1")):
            w(f"{p}/{name}", val + "\n")
        w(f"{p}/config", d["config"], "wb")
        os.symlink(f"../../../class/iommu/{d['iommu']}", f"{p}/iommu")
        os.makedirs(f"{root}/sys/kernel/iommu_groups/{ncdev}", exist_ok=True)
        if "physfn" in d:
            os.symlink(f"../{d['physfn']}", f"{p}/physfn")
        if bind and d.get("bind", True):
            os.symlink(f"../../drivers/vfio-pci", f"{p}/driver")
            cdev = f"vfio{ncdev}"
            os.makedirs(f"{p}/vfio-dev/{cdev}")
            w(f"{root}/dev/vfio/devices/{cdev}", "")
            os.makedirs(f"{root}/sys/class/vfio-dev/{cdev}", exist_ok=True)
            os.symlink(f"../../../bus/pci/devices/{bdf}", f"{root}/sys/class/vfio-dev/{cdev}/device")
        ncdev += 1

# VT-d ECAP (spec 11.4.3; kernel intel/iommu.h): DT 2, PRS 29, PSS 39:35, PASID 40,
# PDS 42, SMTS 43.
def ecap(smts=True, pasid=True, prs=True, pds=True, dt=True):
    e = 0x1 | 0x2  # coherent, QI
    e |= dt << 2 | prs << 29 | (19 << 35 if pasid else 0) | pasid << 40 | pds << 42 | smts << 43
    return f"{e:x}"
# AMD EFR (kernel amd_iommu_types.h): PPRSup 1, GTSup 4, PASmax 36:32, GIoSup 48, EPHSup 50
efr = 1 << 1 | 1 << 4 | 15 << 32 | 1 << 48 | 1 << 50

units = {
    "dmar0": {"intel-iommu/cap": "d2008c40660462", "intel-iommu/ecap": ecap()},
    "dmar1": {"intel-iommu/cap": "d2008c40660462", "intel-iommu/ecap": ecap(smts=False)},
    "ivhd0": {"amd-iommu/cap": "190b0", "amd-iommu/features": f"{efr:x}:0"},
    "smmu3.0x0000000009050000": {},
    "iommufd_selftest_iommu.0": {},
}
full = config(ats=True, pri=True, pasid_req=True, pasid=True)
def dev(iommu, cfg, **kw):
    return dict(vendor="0x8086", device="0x0b25", **{"class": "0x080700"}, config=cfg,
                iommu=iommu, **kw)
devs = {
    "0000:10:00.0": dev("dmar0", full),
    "0000:10:00.1": dev("dmar0", config(ats=True), physfn="0000:10:00.0"),
    "0000:11:00.0": dev("dmar0", config(ats=True, pasid=True)),
    "0000:12:00.0": dev("dmar0", config(ats=True, pri=True, pasid=True)),
    "0000:13:00.0": dev("dmar0", full, bind=False),
    "0000:14:00.0": dev("dmar1", full),
    "0000:20:00.0": dev("ivhd0", full),
    "0000:21:00.0": dev("ivhd0", config(ats=True, pri=True, pasid_req=True)),
    "0000:30:00.0": dev("smmu3.0x0000000009050000", full),
}
machine(f"{top}/mixed", "BOOT_IMAGE=/vmlinuz intel_iommu=on,sm_on", units, devs, unset=())
# scalable mode from the kernel's default (no sm_on), a kernel without CONFIG_IOMMU_IOPF
machine(f"{top}/noiopf", "BOOT_IMAGE=/vmlinuz intel_iommu=on", {"dmar0": units["dmar0"]},
        {"0000:10:00.0": devs["0000:10:00.0"]}, unset=("IOMMU_IOPF",))
machine(f"{top}/unbound", "BOOT_IMAGE=/vmlinuz intel_iommu=on,sm_on", units,
        dict(devs, **{"0000:40:00.0": dev("dmar0", config(ats=True))}), bind=False)

# QEMU 7.2 intel-iommu with x-scalable-mode=on: SMTS, SLTS, SRS, no PRS/PDS/PASID/DT.
qemu_ecap = f"{0x1 | 0x2 | 1 << 3 | 1 << 4 | 1 << 31 | 1 << 43 | 1 << 46:x}"
machine(f"{top}/edu", "console=ttyS0 intel_iommu=on,sm_on",
        {"dmar0": {"intel-iommu/cap": "d2008c22260206", "intel-iommu/ecap": qemu_ecap},
         "iommufd_selftest_iommu.0": {}},
        {"0000:00:03.0": dict(vendor="0x1234", device="0x11e8", **{"class": "0x00ff00"},
                              config=config(size=256), iommu="dmar0")})
PY

run_tree() { # run_tree NAME [ARGS]: the doctor on fake tree NAME, output in $fake/NAME.out
	t=$1
	shift
	"$doctor" --root "$fake/$t" "$@" >"$fake/$t.out" 2>&1
	echo "---- sva-doctor --root <$t> $*: exit $?"
	cat "$fake/$t.out"
}
has() { # has TREE LINE WHY: TREE's output has exactly LINE
	grep -Fqx -- "$2" "$fake/$1.out" || fail "$1: $3 (no line: $2)"
}
format_ok() { # format_ok TREE: every line in the format, WARN/FAIL with a fix
	b=$(grep -Evc '^\[( OK |WARN|FAIL|INFO)\] [^:]+: .+' "$fake/$1.out")
	[ "$b" -eq 0 ] || fail "$1: $b line(s) not in the '[VERDICT] check: finding' format"
	b=$(grep -E '^\[(WARN|FAIL)\]' "$fake/$1.out" | grep -vc ' — fix: .')
	[ "$b" -eq 0 ] || fail "$1: $b WARN/FAIL line(s) without ' — fix: '"
}
lacks() { # lacks TREE TEXT WHY
	grep -Fq -- "$2" "$fake/$1.out" && fail "$1: $3 (unexpected: $2)"
}
PINNED='pinned mode (pri=off): svapoll maps each bond up front (IOAS_MAP at IOVA == VA)'
VTD_RULE='VT-d fault-capable domains need scalable mode, ATS and PRI, and PRG Response PASID Required when PASID is enabled, else attach fails with ENODEV'
AMD_RULE='AMD delivers faults only on PASID (v2) page tables; v1 is the default, so without PASIDs attach succeeds and no fault is ever delivered'
IDS='[8086:0b25 class 080700]'

run_tree mixed
format_ok mixed
has mixed '[ OK ] kernel: Linux 7.3.4-fake has every iommufd feature svapoll uses: iommufd (6.2), VFIO device cdev and HWPT/hw-info ioctls (6.6), fault queue (nested page tables) (6.11), fault queue on IOAS page tables (6.13), PASID attach through VFIO (6.15)' \
	"the kernel release comes from <root>/proc/sys/kernel/osrelease"
has mixed '[ OK ] kernel config: CONFIG_IOMMUFD=y, CONFIG_VFIO=y, CONFIG_VFIO_PCI=y, CONFIG_VFIO_DEVICE_CDEV=y, CONFIG_IOMMU_IOPF=y, CONFIG_PCI_PASID=y, CONFIG_PCI_PRI=y, CONFIG_PCI_ATS=y' \
	"kernel config from <root>/proc/config.gz"
has mixed '[ OK ] /dev/iommu: present and opens read-write' "<root>/dev/iommu"
has mixed '[ OK ] VFIO cdev: /dev/vfio/devices/vfio0 -> 0000:10:00.0 (driver vfio-pci)' "<root>/dev/vfio/devices"
has mixed "[ OK ] pci: 0000:10:00.0 $IDS driver vfio-pci, NUMA node -, IOMMU dmar0: PASID 20 bits, PRI (256 outstanding requests) +PASID-in-response, ATS yes: an SVA endpoint" \
	"pci line names the IOMMU and the PRI status bit"
has mixed "[INFO] pci: 0000:10:00.1 $IDS driver vfio-pci, NUMA node -, IOMMU dmar0: PASID no, PRI no, ATS yes, SR-IOV VF of 0000:10:00.0" \
	"pci line names the VF's PF"
has mixed '[ OK ] IOMMU unit: dmar0 (Intel VT-d): scalable mode yes (ecap SMTS bit 43 set; intel_iommu=sm_on), PASID yes (ecap PASID bit 40 set, PSS 20 bits), page requests yes (ecap PRS bit 29 set, PDS bit 42 set), device TLB/ATS yes (ecap DT bit 2); cap d2008c40660462, ecap d9820000007: can deliver I/O page faults' \
	"VT-d unit decoded from intel-iommu/ecap"
has mixed '[INFO] IOMMU unit: dmar1 (Intel VT-d): scalable mode no (ecap SMTS bit 43 clear; the hardware has none), PASID yes (ecap PASID bit 40 set, PSS 20 bits), page requests yes (ecap PRS bit 29 set, PDS bit 42 set), device TLB/ATS yes (ecap DT bit 2); cap d2008c40660462, ecap 59820000007: cannot deliver I/O page faults' \
	"VT-d unit without SMTS"
has mixed '[ OK ] IOMMU unit: ivhd0 (AMD-Vi): v2 (PASID) page tables yes (EFR GTSup bit 4, GIoSup bit 48), PASID 16 bits (EFR PASmax), PPR yes (EFR PPRSup bit 1, EPHSup bit 50), default page table v1; EFR 5000f00000012: can deliver I/O page faults on PASID (v2) page tables only' \
	"AMD unit decoded from amd-iommu/features"
has mixed '[INFO] IOMMU unit: smmu3.0x0000000009050000 (Arm SMMUv3): Linux has no PCI PRI for SMMUv3: I/O page faults only for stall-capable platform devices' \
	"SMMUv3 unit"
has mixed '[INFO] IOMMU unit: iommufd_selftest_iommu.0 (iommufd selftest mock, CONFIG_IOMMUFD_TEST): a kernel test double (svapoll'"'"'s VM tier raises page requests through it), not hardware' \
	"the selftest mock is INFO only"
has mixed "[ OK ] I/O page faults: 0000:10:00.0 $IDS behind dmar0 (Intel VT-d): can get faults: scalable mode (intel_iommu=sm_on), ATS, PRI, PASID enabled with PASID-in-response (ATS also needs the firmware's DMAR ATSR/SATC to cover the device: not checked)" \
	"VT-d device with everything: OK"
has mixed "[WARN] I/O page faults: 0000:10:00.1 $IDS behind dmar0 (Intel VT-d): no faults: SR-IOV VF; iommufd refuses a fault-capable page table on a VF whose PF has PRI (EINVAL: PRI is shared with PF 0000:10:00.0) — fix: $PINNED; or SVA on the PF or a device that is not a VF" \
	"VF: WARN, EINVAL"
has mixed "[WARN] I/O page faults: 0000:11:00.0 $IDS behind dmar0 (Intel VT-d): no faults: device has no PRI; $VTD_RULE — fix: $PINNED; or a device with ATS and PRI" \
	"VT-d device without PRI: WARN naming PRI"
has mixed "[WARN] I/O page faults: 0000:12:00.0 $IDS behind dmar0 (Intel VT-d): no faults: PRI lacks PASID-in-response while PASID is enabled; $VTD_RULE — fix: $PINNED; or a device whose PRI status has PRG Response PASID Required" \
	"VT-d PASID device whose PRI lacks PRG Response PASID Required: WARN naming it"
has mixed "[WARN] I/O page faults: 0000:14:00.0 $IDS behind dmar1 (Intel VT-d): no faults: no scalable mode; $VTD_RULE — fix: $PINNED; or a VT-d unit with scalable mode, PRS, PDS and device TLB" \
	"VT-d unit without scalable mode: WARN naming scalable mode"
has mixed "[ OK ] I/O page faults: 0000:20:00.0 $IDS behind ivhd0 (AMD-Vi): can get faults: PASID, PRI and ATS on a v2 (PASID) page table (IOMMU_HWPT_ALLOC_PASID, svapoll's pasid=auto)" \
	"AMD device with PASID: OK"
has mixed "[WARN] I/O page faults: 0000:21:00.0 $IDS behind ivhd0 (AMD-Vi): no faults: device has no PASID; $AMD_RULE — fix: $PINNED; or a device with PASID, PRI and ATS" \
	"AMD device without PASID: WARN"
has mixed "[WARN] I/O page faults: 0000:30:00.0 $IDS behind smmu3.0x0000000009050000 (Arm SMMUv3): no faults: SMMUv3 has no PCI PRI in Linux; Linux implements no PCI PRI for SMMUv3 (Linux 7.3: attach succeeds but the kernel denies every page request) — fix: $PINNED; or I/O page faults on SMMUv3 only for stall-capable platform devices" \
	"SMMUv3 PCI device: WARN"
lacks mixed 'I/O page faults: 0000:13:00.0' "a device not bound to vfio-pci gets no rule line when others are bound"
has mixed '[ OK ] summary: the emu default can run here: yes; real hardware (iommufd): ready to try (2 usable with I/O page faults, 6 pinned-only, 0 unusable)' \
	"summary counts the per-device verdicts"
has mixed '[INFO] iommufd verdict: 0000:10:00.0 usable (I/O page faults through PRI on dmar0)' "human verdict line"

run_tree mixed --summary
has mixed '0000:10:00.0 iommufd: usable (I/O page faults through PRI on dmar0)' "summary: VT-d usable"
has mixed '0000:10:00.1 iommufd: pinned-only (SR-IOV VF)' "summary: VF"
has mixed '0000:11:00.0 iommufd: pinned-only (device has no PRI)' "summary: no PRI"
has mixed '0000:12:00.0 iommufd: pinned-only (PRI lacks PASID-in-response while PASID is enabled)' "summary: no PASID-in-response"
has mixed '0000:14:00.0 iommufd: pinned-only (no scalable mode)' "summary: no scalable mode"
has mixed '0000:20:00.0 iommufd: usable (I/O page faults through PPR on ivhd0)' "summary: AMD usable"
has mixed '0000:21:00.0 iommufd: pinned-only (device has no PASID)' "summary: AMD no PASID"
has mixed '0000:30:00.0 iommufd: pinned-only (SMMUv3 has no PCI PRI in Linux)' "summary: SMMUv3"
n=$(wc -l <"$fake/mixed.out")
[ "$n" -eq 8 ] || fail "mixed --summary: $n lines, expected 8 (one per vfio-pci device, nothing else)"

run_tree edu --summary
has edu '0000:00:03.0 iommufd: pinned-only (device has no PRI, device has no ATS, IOMMU without PRS, IOMMU without PDS, IOMMU without device TLB)' \
	"QEMU edu behind intel-iommu (scalable mode), /dev/iommu, vfio0: pinned-only, no PRI"
run_tree edu
format_ok edu
has edu '[WARN] I/O page faults: 0000:00:03.0 [1234:11e8 class 00ff00] behind dmar0 (Intel VT-d): no faults: device has no PRI, device has no ATS, IOMMU without PRS, IOMMU without PDS, IOMMU without device TLB; '"$VTD_RULE — fix: $PINNED; or a device with ATS and PRI; or a VT-d unit with scalable mode, PRS, PDS and device TLB" \
	"edu: WARN naming PRI"
has edu '[INFO] IOMMU unit: dmar0 (Intel VT-d): scalable mode yes (ecap SMTS bit 43 set; intel_iommu=sm_on), PASID no (ecap PASID bit 40 clear), page requests no (ecap PRS bit 29 clear, PDS bit 42 clear), device TLB/ATS no (ecap DT bit 2); cap d2008c22260206, ecap 48008000001b: cannot deliver I/O page faults' \
	"edu: QEMU VT-d unit in scalable mode without PRS"
has edu '[INFO] summary: the emu default can run here: yes; real hardware (iommufd): pinned mode only (no device can get I/O page faults; 1 pinned-only, 0 unusable)' \
	"edu: summary says pinned mode only"

run_tree unbound --summary
has unbound '0000:10:00.0 iommufd: unusable (not bound to vfio-pci, then usable)' "unbound PASID/PRI device: unusable, then usable"
has unbound '0000:11:00.0 iommufd: unusable (not bound to vfio-pci, then pinned-only)' "unbound PASID device without PRI"
lacks unbound '0000:40:00.0' "a device with neither PASID nor PRI is not checked when none is bound"
run_tree noiopf
format_ok noiopf
has noiopf '[ OK ] IOMMU unit: dmar0 (Intel VT-d): scalable mode yes (ecap SMTS bit 43 set; CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y), PASID yes (ecap PASID bit 40 set, PSS 20 bits), page requests yes (ecap PRS bit 29 set, PDS bit 42 set), device TLB/ATS yes (ecap DT bit 2); cap d2008c40660462, ecap d9820000007: can deliver I/O page faults' \
	"scalable mode from the kernel config default"
has noiopf "[WARN] I/O page faults: 0000:10:00.0 $IDS behind dmar0 (Intel VT-d): no faults: kernel without CONFIG_IOMMU_IOPF; $VTD_RULE — fix: $PINNED; or a kernel with CONFIG_IOMMU_IOPF (selected by CONFIG_INTEL_IOMMU_SVM or CONFIG_AMD_IOMMU)" \
	"a kernel without CONFIG_IOMMU_IOPF: no faults"
has noiopf '[INFO] iommufd verdict: 0000:10:00.0 pinned-only (kernel without CONFIG_IOMMU_IOPF)' \
	"a kernel without CONFIG_IOMMU_IOPF: pinned-only"

SVA_DOCTOR_ROOT="$fake/edu" "$doctor" --summary | grep -Fqx '0000:00:03.0 iommufd: pinned-only (device has no PRI, device has no ATS, IOMMU without PRS, IOMMU without PDS, IOMMU without device TLB)' ||
	fail "SVA_DOCTOR_ROOT works as --root"

"$doctor" --help >/dev/null || fail "--help exits non-zero"
"$doctor" --help | grep -Fq -- '--root DIR' || fail "--help documents --root"
"$doctor" --help | grep -Fq -- '<bdf> iommufd: usable|pinned-only|unusable (<reason>)' ||
	fail "--help documents the --summary format"
"$doctor" --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown option must exit 2"
"$doctor" --root "$fake/none" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--root on a missing directory must exit 2"

if [ "$fails" -ne 0 ]; then
	echo "doctor_smoke: $fails check(s) failed"
	exit 1
fi
echo "doctor_smoke: all checks passed"
