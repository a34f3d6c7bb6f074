/* SPDX-License-Identifier: BSD-3-Clause */
/* An application outside the tree: built only with pkg-config --cflags --libs libsvapoll. */
#include <stdio.h>
#include <string.h>

#include <sva.h>

int
main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "";

	printf("hello from svapoll %s\n", sva_version());
	return strcmp(sva_version(), want) == 0 ? 0 : 1;
}
