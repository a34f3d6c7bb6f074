/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_log.h>

#include "fuzz_common.h"

void
fz_eal_init(void)
{
	static const char *const args[] = {
		/* --in-memory is refused with --no-huge ("not compatible with --legacy-mem",
		 * which --no-huge implies in 22.11): --no-shconf and a prefix instead */
		"fuzz", "-l", "0", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
		"--log-level=*:error",
	};
	/* static: EAL keeps (and moves) pointers into argv */
	static char *argv[RTE_DIM(args) + 2];
	static char strs[RTE_DIM(args) + 1][64];
	int argc = 0;
	static bool done;

	if (done)
		return;
	/* a prefix of its own per process: runs in parallel never share a runtime dir */
	for (unsigned int i = 0; i < RTE_DIM(args); i++) {
		snprintf(strs[i], sizeof(strs[i]), "%s", args[i]);
		argv[argc++] = strs[i];
	}
	snprintf(strs[argc], sizeof(strs[argc]), "--file-prefix=svafuzz%d", (int)getpid());
	argv[argc] = strs[argc];
	argc++;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "fuzz: EAL init failed (--no-huge --no-pci -m 128 --no-shconf)\n");
		exit(1);
	}
	/* the harnesses feed garbage on purpose: the libraries' errors are expected */
	rte_log_set_global_level(getenv("SVA_FUZZ_LOG") != NULL ? RTE_LOG_DEBUG : RTE_LOG_CRIT);
	done = true;
}

bool
fz_invariants(void)
{
	static int on = -1;

	if (on < 0) {
		const char *v = getenv("SVA_FUZZ_INVARIANTS");

		on = v == NULL || strcmp(v, "0") != 0;
	}
	return on;
}

bool
fz_skipped(const char *kind)
{
	const char *list = getenv("SVA_FUZZ_SKIP"), *p;
	size_t n = strlen(kind);

	for (p = list; p != NULL && *p != '\0'; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, kind, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

#define FZ_SEEN 64
void
fz_fail(const char *file, int line, const char *fmt, ...)
{
	static const char *seen_file[FZ_SEEN];
	static int seen_line[FZ_SEEN];
	static unsigned int nseen;
	va_list ap;
	unsigned int i;

	if (!fz_invariants()) {
		for (i = 0; i < nseen; i++)
			if (seen_line[i] == line && seen_file[i] == file)
				return;
		if (nseen < FZ_SEEN) {
			seen_file[nseen] = file;
			seen_line[nseen++] = line;
		}
	}
	fprintf(stderr, "==svafuzz== %s: %s:%d: ", fz_invariants() ? "INVARIANT BROKEN" :
		"invariant broken (crash-only mode, SVA_FUZZ_INVARIANTS=0: going on)", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (fz_invariants())
		abort();
}
