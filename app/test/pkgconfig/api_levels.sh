#!/bin/sh
# The API levels as a consumer of the installed library sees them (README, "API and
# ABI"), with only pkg-config --cflags --libs libsvapoll:
#  (a) a program using only stable (SVA_0.1) API builds with -Werror and no define;
#  (b) the same compiler call on a program calling sva_bond_pin() (__rte_experimental)
#      fails: DPDK's rte_compat.h makes it a "not yet part of stable ABI" deprecation
#      diagnostic, an error under -Werror (a warning without it: also checked);
#  (c) that program builds and links with -DALLOW_EXPERIMENTAL_API;
#  (d) a call to the driver interface (__rte_internal, sva_iommu_priv()) fails even
#      without -Werror unless -DALLOW_INTERNAL_API.
# And libsvapoll.pc gives no ALLOW_* define.
# usage: api_levels.sh MESON BUILD_DIR [extra cflags...]
set -eu
meson=$1 build=$2
shift 2
tmp=$(mktemp -d /tmp/svapoll-api.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$meson" install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log"; echo "FAIL: meson install into $tmp/root"; exit 1; }
pc=$(find "$tmp/root" -name libsvapoll.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no libsvapoll.pc installed"; exit 1; }
prefix=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=prefix libsvapoll)
mkdir -p "$tmp/pc"
sed "s|^prefix=.*|prefix=$tmp/root$prefix|" "$pc" >"$tmp/pc/libsvapoll.pc"
export PKG_CONFIG_PATH="$tmp/pc"
cflags=$(pkg-config --cflags libsvapoll)
libs=$(pkg-config --libs libsvapoll)
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
case " $cflags " in
*ALLOW_EXPERIMENTAL_API*|*ALLOW_INTERNAL_API*)
	fail "pkg-config --cflags libsvapoll defines an ALLOW_* macro: $cflags" ;;
esac

cat >"$tmp/stable.c" <<'C'
#include <stdio.h>
#include <sva.h>
int main(void) { printf("%s %p\n", sva_version(), (void *)sva_bind(NULL, NULL, NULL)); return 0; }
C
cat >"$tmp/exp.c" <<'C'
#include <sva.h>
int main(void) { return sva_bond_pin(NULL, NULL, 0, 0) == -22 ? 0 : 1; }
C
cat >"$tmp/internal.c" <<'C'
#include <sva_iommu_driver.h>
int main(void) { return sva_iommu_priv(NULL) != NULL; }
C
cc_() { # out src extra-flags...: compile and link, output in $tmp/log
	out=$1 src=$2; shift 2
	# shellcheck disable=SC2086
	cc "$@" $cflags -Wall -Wextra -o "$tmp/$out" "$tmp/$src" $libs >"$tmp/log" 2>&1
}
# (a)
if cc_ stable stable.c -Werror; then echo "ok (a): stable-only program, no define, -Werror"
else cat "$tmp/log"; fail "(a) a stable-only program does not build without ALLOW_EXPERIMENTAL_API"; fi
# (b)
if cc_ exp exp.c -Werror; then
	fail "(b) sva_bond_pin() built without ALLOW_EXPERIMENTAL_API (-Werror)"
elif grep -q "not yet part of stable ABI" "$tmp/log"; then
	echo "ok (b): sva_bond_pin() without ALLOW_EXPERIMENTAL_API refused: $(grep -m1 'stable ABI' "$tmp/log")"
else cat "$tmp/log"; fail "(b) failed, but not for the experimental tag"; fi
if cc_ exp exp.c && grep -q "not yet part of stable ABI" "$tmp/log"; then
	echo "ok (b'): without -Werror it is a warning naming the symbol"
else cat "$tmp/log"; fail "(b') no experimental warning without -Werror"; fi
# (c)
if cc_ exp exp.c -Werror -DALLOW_EXPERIMENTAL_API; then
	echo "ok (c): sva_bond_pin() with -DALLOW_EXPERIMENTAL_API builds and links"
else cat "$tmp/log"; fail "(c) sva_bond_pin() does not build with ALLOW_EXPERIMENTAL_API"; fi
# (d)
if cc_ int internal.c; then
	fail "(d) sva_iommu_priv() built without ALLOW_INTERNAL_API"
elif grep -q "not public ABI" "$tmp/log"; then
	echo "ok (d): sva_iommu_priv() without ALLOW_INTERNAL_API refused (an error, no -Werror)"
else cat "$tmp/log"; fail "(d) failed, but not for the internal tag"; fi
if cc_ int internal.c -Werror -DALLOW_INTERNAL_API; then
	echo "ok (d'): with -DALLOW_INTERNAL_API it builds (in-tree drivers and tests)"
else cat "$tmp/log"; fail "(d') sva_iommu_priv() does not build with ALLOW_INTERNAL_API"; fi
[ "$fails" -eq 0 ] && echo "PASS: API levels" || { echo "$fails failed"; exit 1; }
