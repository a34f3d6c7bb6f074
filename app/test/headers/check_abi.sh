#!/bin/sh
# ABI check against the previous tagged version (libabigail's abidiff, Debian package
# abigail-tools), like DPDK's devtools/check-abi.sh: the tag's libraries are built in a
# temporary directory (libraries and drivers only) and every shared library of this
# build is compared with its namesake; only the stable node (SVA_0.1) counts
# (buildtools/abi/suppressions.abignore). Exit 77 (skipped) when there is no tag or no
# abidiff, saying why.
# usage: check_abi.sh SOURCE_ROOT BUILD_DIR [REF]   (REF: compare against it instead of
#   the newest tag reachable from HEAD, e.g. to try the check on a commit)
set -eu
src=$1 build=$2 ref=${3:-}
command -v abidiff >/dev/null && command -v abidw >/dev/null || {
	echo "SKIP: abidiff/abidw not found (apt-get install abigail-tools)"; exit 77; }
if [ -z "$ref" ]; then
	ref=$(git -C "$src" describe --tags --abbrev=0 2>/dev/null) || {
		echo "SKIP: no tagged version to compare against (git tag is empty): the first" \
			"release tag arms this check"; exit 77; }
fi
tmp=$(mktemp -d /tmp/svapoll-abi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" archive --format=tar "$ref" | tar -x -C "$tmp" 2>/dev/null || {
	echo "FAIL: git archive $ref"; exit 1; }
echo "baseline: $ref ($(git -C "$src" rev-parse --short "$ref"))"
(cd "$tmp" && meson setup old -Dtests=false -Dexamples=false >"$tmp/setup.log" 2>&1 &&
	ninja -C old >"$tmp/ninja.log" 2>&1) || {
	tail -n 20 "$tmp/setup.log" "$tmp/ninja.log" 2>/dev/null
	echo "FAIL: the baseline $ref does not build"; exit 1; }
supp=$src/buildtools/abi/suppressions.abignore
fails=0 n=0
for new in $(find "$build/lib" "$build/drivers" -maxdepth 1 -type f -name 'libsva*.so.*.*.*' | sort); do
	b=$(basename "$new" | sed 's/\.so\..*//')
	old=$(find "$tmp/old/lib" "$tmp/old/drivers" -maxdepth 1 -type f -name "$b.so.*.*.*" | head -n 1)
	if [ -z "$old" ]; then echo "new library: $b"; continue; fi
	n=$((n + 1))
	rc=0
	abidiff --suppressions "$supp" --no-added-syms "$old" "$new" >"$tmp/diff" 2>&1 || rc=$?
	# abidiff's exit status: bit 1 error, bit 2 usage, bit 3 ABI change, bit 4
	# incompatible ABI change.
	if [ $((rc & 8)) -ne 0 ] || [ $((rc & 1)) -ne 0 ]; then
		fails=$((fails + 1)); echo "FAIL: $b: incompatible ABI change against $ref"
		cat "$tmp/diff"
	elif [ $((rc & 4)) -ne 0 ]; then
		echo "note: $b: compatible ABI change against $ref"; head -n 20 "$tmp/diff"
	else
		echo "ok: $b"
	fi
done
echo "$n libraries compared against $ref, $fails incompatible"
[ "$fails" -eq 0 ]
