#!/bin/sh
# Like DPDK's buildtools/check-symbols.sh: in each library, the functions the headers
# tag __rte_experimental (rte_compat.h puts them in .text.experimental) are exactly the
# EXPERIMENTAL node of its version.map, those tagged __rte_internal (.text.internal)
# exactly the INTERNAL node, and no symbol is in two nodes.
# usage: check_symbols.sh STATIC_LIB VERSION_MAP [STATIC_LIB VERSION_MAP]...
set -eu
fails=0
tmp=$(mktemp -d /tmp/svapoll-syms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
node() { # map node: the node's symbols, sorted
	awk -v n="$2" '$1 == n && $2 == "{" { on = 1; next }
		on && /^}/ { on = 0 }
		on && /^[ \t]*[a-z_][a-z0-9_]*;/ { gsub(/[ \t;]/, ""); print }' "$1" | sort
}
while [ $# -ge 2 ]; do
	lib=$1 map=$2
	shift 2
	for sec in experimental internal; do
		n=$(echo "$sec" | tr a-z A-Z)
		objdump -t "$lib" | awk -v s=".text.$sec" '$2 == "g" && $4 == s { print $NF }' |
			sort -u >"$tmp/tagged"
		node "$map" "$n" >"$tmp/node"
		if ! cmp -s "$tmp/tagged" "$tmp/node"; then
			fails=$((fails + 1))
			echo "FAIL: $(basename "$lib"): __rte_$sec functions vs $map $n node:"
			diff "$tmp/tagged" "$tmp/node" | grep '^[<>]' |
				sed "s/^</  tagged, not in the node:/; s/^>/  in the node, not tagged:/"
		fi
	done
	for n in SVA_0.1 EXPERIMENTAL INTERNAL; do node "$map" "$n"; done | sort | uniq -d >"$tmp/dup"
	if [ -s "$tmp/dup" ]; then
		fails=$((fails + 1)); echo "FAIL: $map: in two nodes: $(tr '\n' ' ' <"$tmp/dup")"
	fi
	echo "$(basename "$lib"): $(node "$map" SVA_0.1 | wc -l) stable," \
		"$(node "$map" EXPERIMENTAL | wc -l) experimental, $(node "$map" INTERNAL | wc -l) internal"
done
[ "$fails" -eq 0 ]
