#!/bin/sh
# Follows README.md's "Install and link" section literally: its sh blocks, as written,
# in a copy of the source tree, with PREFIX in a temporary directory, and its C block as
# hello_sva.c. Passes when the program it builds starts and prints "data ok".
# usage: install_readme.sh SOURCE_ROOT
set -eu
src=$1
tmp=$(mktemp -d /tmp/svapoll-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The section: from its heading to the next "## " heading.
sed -n '/^## Install and link$/,/^## /p' "$src/README.md" >"$tmp/section.md"
[ -s "$tmp/section.md" ] || { echo "FAIL: README.md has no '## Install and link' section"; exit 1; }
# Its fenced blocks: sh ones into one script (the "export PREFIX=" line is replaced by
# the temporary prefix), the c one into hello_sva.c.
awk -v out="$tmp" '
	/^```sh$/ { f = out "/commands.sh"; next }
	/^```c$/  { f = out "/hello_sva.c"; next }
	/^```$/   { f = ""; next }
	f != ""   { print >> f }
' "$tmp/section.md"
[ -s "$tmp/commands.sh" ] && [ -s "$tmp/hello_sva.c" ] || {
	echo "FAIL: no sh or c block in the section"; exit 1; }
grep -q '^export PREFIX=' "$tmp/commands.sh" || { echo "FAIL: the section sets no PREFIX"; exit 1; }
sed -i "s|^export PREFIX=.*|export PREFIX=$tmp/prefix|" "$tmp/commands.sh"
echo "--- commands (README.md, PREFIX replaced) ---"
cat "$tmp/commands.sh"
echo "---"

# A copy of the tree without build directories: the reader's checkout.
mkdir "$tmp/src"
(cd "$src" && tar --exclude='./build*' --exclude='./.git' -cf - .) | (cd "$tmp/src" && tar -xf -)
cp "$tmp/hello_sva.c" "$tmp/src/"
# A clean environment: nothing from meson's test run (PKG_CONFIG_PATH, LD_LIBRARY_PATH).
cd "$tmp/src"
env -i PATH="$PATH" HOME="$tmp/home" sh -eux "$tmp/commands.sh" >"$tmp/out.log" 2>&1 || {
	tail -n 60 "$tmp/out.log"; echo "FAIL: the section's commands failed"; exit 1; }
tail -n 5 "$tmp/out.log"
grep -q 'page requests served, data ok' "$tmp/out.log" || {
	echo "FAIL: hello_sva did not print 'data ok'"; exit 1; }
# What the section promises about the loader: without the rpath, the drivers are not found.
prefix_lib=$(find "$tmp/prefix" -name 'libsva_iommu_emu.so*' | head -n 1)
case "$prefix_lib" in
*/lib/x86_64-linux-gnu/*) ;;
*) echo "FAIL: the emu driver is at '$prefix_lib', not under lib/x86_64-linux-gnu"; exit 1 ;;
esac
# ... and without the rpath (nor LD_LIBRARY_PATH) it does not start, as the section says.
env -i PATH="$PATH" PKG_CONFIG_PATH="$(dirname "$(find "$tmp/prefix" -name libsvapoll.pc)")" \
	sh -c 'cc -o hello_norpath hello_sva.c $(pkg-config --cflags --libs libsvapoll)' ||
	{ echo "FAIL: building without the rpath"; exit 1; }
if env -i ./hello_norpath -l 0-1 --in-memory --no-pci >"$tmp/norpath.log" 2>&1; then
	echo "FAIL: started without an rpath: README.md says it does not"; exit 1
fi
grep -q 'libsva.*cannot open shared object file' "$tmp/norpath.log" || {
	cat "$tmp/norpath.log"; echo "FAIL: not the loader error README.md quotes"; exit 1; }
echo "PASS: README.md's install section yields a running program"
