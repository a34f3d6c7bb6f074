#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Find or build the VM tier's guest kernel (bzImage) and print its path.
#
# The source is Debian's linux-source-$SERIES package, fetched with a private apt state
# (sources file, lists and cache under the cache directory) so the machine's own apt
# configuration is never touched; the mirror is the one the machine's apt sources name.
# The bzImage is cached outside the clone, keyed by kernel package version + the sha256 of
# kernel.config + this script, so a fresh clone on the same machine finds it again.
#
# usage: kernel.sh [--lookup]      --lookup: print a cached image or exit 3, build nothing
# env:   SVAPOLL_CACHE (default /var/cache/svapoll as root, else ~/.cache/svapoll)
#        SVAPOLL_KERNEL_SERIES (default 7.3), SVAPOLL_KERNEL_SUITE (default trixie-backports)
# exit:  0 path printed; 2 the kernel cannot be had here (reason on stderr); 3 not cached
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
series=${SVAPOLL_KERNEL_SERIES:-7.3}
suite=${SVAPOLL_KERNEL_SUITE:-trixie-backports}
pkg=linux-source-$series
if [ -n "${SVAPOLL_CACHE:-}" ]; then
	cache=$SVAPOLL_CACHE
elif [ "$(id -u)" -eq 0 ]; then
	cache=/var/cache/svapoll
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/svapoll
fi
say() { printf '[svapoll] vm: %s\n' "$*" >&2; }
unavailable() { say "$*"; exit 2; }

# Bump when the way the image is built changes (not for edits that build the same image).
RECIPE=1
cfg_hash=$( { grep -v "^#" "$here/kernel.config"; echo "recipe $RECIPE"; } | sha256sum | cut -c1-12)

# A cached image for this series and config, the newest package version first.
lookup() {
	local d
	for d in $(ls -1dt "$cache"/vm/linux-"$series".*-"$cfg_hash" 2>/dev/null); do
		[ -s "$d/bzImage" ] && { echo "$d/bzImage"; return 0; }
	done
	return 1
}

if lookup; then exit 0; fi
[ "${1:-}" = --lookup ] && exit 3

# The machine's Debian mirror, from its own apt sources (deb822 or one-line format).
mirror() {
	local uri
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security || true)
	[ -z "$uri" ] && uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
	[ -n "$uri" ] || return 1
	echo "${uri%/}"
}

fetch_source() {
	local apt=$cache/apt uri opts
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$cache/src"
	uri=$(mirror) || unavailable "no Debian mirror in /etc/apt/sources*: cannot fetch $pkg"
	# The package lists are checked against Debian's archive keyring when it knows the
	# suite's key; a keyring too old for it (bookworm's for trixie) falls back to trusted=yes.
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$apt/sources.list"
	opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt" -o "Dir::Cache::archives=$apt/archives"
		-o Debug::NoLocking=1 -o APT::Get::List-Cleanup=0)
	say "fetching the package list of $suite from $uri (private apt state in $apt)"
	if ! apt-get "${opts[@]}" update -qq >"$apt/update.log" 2>&1 || grep -q NO_PUBKEY "$apt/update.log"; then
		say "the archive keyring does not know $suite's key: using [trusted=yes] for this one suite"
		echo "deb [trusted=yes] $uri $suite main" >"$apt/sources.list"
		apt-get "${opts[@]}" update -qq >"$apt/update.log" 2>&1 ||
			{ tail -n 5 "$apt/update.log" >&2; unavailable "apt-get update of $suite failed"; }
	fi
	version=$(apt-cache "${opts[@]}" show "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
	[ -n "$version" ] || unavailable "$pkg is not in $suite at $uri"
	deb=$(ls -1 "$cache"/src/"${pkg}"_*.deb 2>/dev/null | grep -F "_${version//:/%3a}_" | head -n1 || true)
	if [ -z "$deb" ]; then
		say "downloading $pkg $version (about 170 MB)"
		(cd "$cache/src" && apt-get "${opts[@]}" download -qq "$pkg" >"$apt/download.log" 2>&1) ||
			{ tail -n 5 "$apt/download.log" >&2; unavailable "download of $pkg failed"; }
		deb=$(ls -1t "$cache"/src/"${pkg}"_*.deb | head -n1)
	fi
}

fetch_source
kver=$(dpkg-deb -f "$deb" Version)
src=$cache/src/linux-$series-$kver
key=$cache/vm/linux-$kver-$cfg_hash
if [ ! -f "$src/Makefile" ]; then
	say "unpacking $(basename "$deb")"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$src.tmp" --wildcards '*/linux-source-*.tar.xz'
	tar -xJf "$src.tmp"/usr/src/linux-source-*.tar.xz -C "$src.tmp"
	mv "$src.tmp"/linux-source-"$series" "$src"
	rm -rf "$src.tmp"
fi

obj=$cache/build/linux-$kver-$cfg_hash
mkdir -p "$obj"
log=$obj/build.log
say "configuring (tinyconfig + buildtools/vm/kernel.config) in $obj"
make -C "$src" O="$obj" tinyconfig >"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$here/kernel.config" >>"$log" 2>&1
make -C "$src" O="$obj" olddefconfig >>"$log" 2>&1
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=y' "$here/kernel.config" | while read -r line; do
	grep -qx "$line" "$obj/.config" || printf '%s ' "${line%=y}"; done)
[ -z "$missing" ] || say "warning: not set in the final config (a dependency is off): $missing"

jobs=$(nproc)
start=$(date +%s)
say "building bzImage with $jobs jobs (8-15 minutes on 2 vCPUs; log: $log)"
make -C "$src" O="$obj" -j"$jobs" bzImage >>"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null || break
	say "  ... $(( $(date +%s) - start )) s, $(grep -c '^  CC' "$log" || true) files compiled"
done
wait "$pid" || { tail -n 20 "$log" >&2; say "kernel build failed (log: $log)"; exit 1; }
mkdir -p "$key"
cp "$obj/arch/x86/boot/bzImage" "$key/bzImage.tmp"
cp "$obj/.config" "$key/config"
echo "$(( $(date +%s) - start ))" >"$key/build-seconds"
mv "$key/bzImage.tmp" "$key/bzImage"
say "built $key/bzImage in $(cat "$key/build-seconds") s"
echo "$key/bzImage"
