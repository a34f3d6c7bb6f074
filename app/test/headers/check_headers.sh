#!/bin/sh
# Like DPDK's check-includes: every installed public header compiles alone (and twice:
# its include guard) as C (gnu11; c11 -pedantic) and as C++ (c++11, c++17), with
# -Wall -Wextra -Werror, seeing only the installed headers' directories and DPDK's.
# usage: check_headers.sh CC CXX|'' HEADER...
set -eu
cc=$1 cxx=$2
shift 2
tmp=$(mktemp -d /tmp/svapoll-headers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# One include directory, as after an install (include/svapoll/).
mkdir "$tmp/include"
for h in "$@"; do cp "$h" "$tmp/include/"; done
dpdk=$(pkg-config --cflags libdpdk)
# The flags libsvapoll.pc gives consumers: no ALLOW_EXPERIMENTAL_API (declaring tagged API
# must not warn; only calling it does).
common="-I$tmp/include $dpdk -Wall -Wextra -Werror -fsyntax-only"
fails=0 checks=0
check() { # name compiler-and-flags... file
	name=$1; shift
	checks=$((checks + 1))
	# shellcheck disable=SC2086
	if ! "$@" >"$tmp/err" 2>&1; then
		fails=$((fails + 1))
		echo "FAIL: $name"
		head -n 20 "$tmp/err"
	fi
}
for h in "$@"; do
	b=$(basename "$h")
	printf '#include <%s>\n#include <%s>\nint sva_hdr_check_%s;\n' "$b" "$b" \
		"$(echo "$b" | tr -c 'a-zA-Z0-9\n' _)" >"$tmp/t.c"
	cp "$tmp/t.c" "$tmp/t.cpp"
	# shellcheck disable=SC2086
	check "$b as C gnu11" $cc -std=gnu11 $common "$tmp/t.c"
	# shellcheck disable=SC2086
	check "$b as C c11 -pedantic" $cc -std=c11 -pedantic $common "$tmp/t.c"
	if [ -n "$cxx" ]; then
		# shellcheck disable=SC2086
		check "$b as C++11" $cxx -std=c++11 $common "$tmp/t.cpp"
		# shellcheck disable=SC2086
		check "$b as C++17" $cxx -std=c++17 $common "$tmp/t.cpp"
	fi
done
[ -n "$cxx" ] || echo "note: no C++ compiler (g++): C++ not checked"
echo "$checks checks, $fails failed ($# headers)"
[ "$fails" -eq 0 ]
