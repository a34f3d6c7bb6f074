#!/bin/sh
# Installs the build into a temporary prefix, then builds and runs a program that
# knows svapoll only through pkg-config, as an application outside the tree would.
# usage: out_of_tree_build.sh MESON BUILD_DIR SOURCE VERSION DRIVERS [extra cflags...]
#   DRIVERS: comma-separated iommu drivers the program must find registered
set -eu
meson=$1 build=$2 src=$3 version=$4 drivers=$5
shift 5
tmp=$(mktemp -d /tmp/svapoll-pc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$meson" install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log"; echo "FAIL: meson install into $tmp/root"; exit 1; }
pc=$(find "$tmp/root" -name libsvapoll.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no libsvapoll.pc installed"; exit 1; }
# The .pc names the configured prefix; a copy of it points at the temporary one
# (--define-variable would move libdpdk's prefix too).
prefix=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=prefix libsvapoll)
mkdir -p "$tmp/pc"
sed "s|^prefix=.*|prefix=$tmp/root$prefix|" "$pc" >"$tmp/pc/libsvapoll.pc"
export PKG_CONFIG_PATH="$tmp/pc"
flags=""
[ "$(pkg-config $flags --modversion libsvapoll)" = "$version" ] || {
	echo "FAIL: pkg-config reports $(pkg-config --modversion libsvapoll), expected $version"; exit 1; }
cflags=$(pkg-config $flags --cflags libsvapoll)
libs=$(pkg-config $flags --libs libsvapoll)
echo "cflags: $cflags"
echo "libs: $libs"
cc "$@" $cflags -o "$tmp/hello" "$src" $libs
libdir=$(pkg-config $flags --variable=libdir libsvapoll)
# shellcheck disable=SC2086
LD_LIBRARY_PATH="$libdir" "$tmp/hello" "$version" $(echo "$drivers" | tr ',' ' ')
echo "PASS: out-of-tree program built with pkg-config libsvapoll and ran"
