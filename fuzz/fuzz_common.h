/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

/*
 * Shared by the libFuzzer harnesses: a byte reader that never fails (reads past the
 * end give zeros), one EAL initialisation per process, and the invariant switch.
 *
 * SVA_FUZZ_INVARIANTS=0 ("crash-only"): the harnesses still run every input and the
 * sanitizers still abort on memory errors and undefined behaviour, but a broken
 * property (a round trip that does not return what went in, a group answered twice)
 * is printed instead of aborting. Default: on (a broken property is a crash with a
 * reproducer). The smoke in ./svapoll test runs iopf_path crash-only until the fault
 * path fixes of issue 11 land.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t
fz_u16(struct fz_in *in)
{
	return (uint16_t)(fz_u8(in) | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t
fz_u32(struct fz_in *in)
{
	return (uint32_t)fz_u16(in) | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t
fz_u64(struct fz_in *in)
{
	return (uint64_t)fz_u32(in) | (uint64_t)fz_u32(in) << 32;
}

/* n bytes into dst, zero-filled past the end of the input. */
static inline void
fz_bytes(struct fz_in *in, void *dst, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->n -= k;
}

/* Initialise EAL once (no hugepages, no PCI, no shared files); exits on failure. */
void fz_eal_init(void);

/* True unless SVA_FUZZ_INVARIANTS=0. */
bool fz_invariants(void);

/* A broken property: abort (a libFuzzer crash, with a reproducer), or in crash-only
 * mode print it once per kind and go on. */
void fz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when SVA_FUZZ_SKIP (a comma-separated list) names this kind of invariant: to
 * look for other bugs while a known one is being fixed. */
bool fz_skipped(const char *kind);

/* An invariant of a named kind (FZ_CHECK_K("twice", ...)), skippable by SVA_FUZZ_SKIP. */
#define FZ_CHECK_K(kind, cond, ...) do { \
	if (!(cond) && !fz_skipped(kind)) \
		fz_fail(__FILE__, __LINE__, "[" kind "] " __VA_ARGS__); \
} while (0)

#define FZ_CHECK(cond, ...) do { \
	if (!(cond)) \
		fz_fail(__FILE__, __LINE__, __VA_ARGS__); \
} while (0)

/* libFuzzer's entry points, for -Wmissing-prototypes. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_COMMON_H */
