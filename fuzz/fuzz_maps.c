/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-maps: the /proc/self/maps parser of lib/iopf (parse_maps in iopf_maps.c, built
 * into this harness so its static functions can be called on text from the input).
 * Input: maps text (lines of "start-end perms offset maj:min inode path").
 * Properties: no crash or UB; an input with no usable line is refused with -EIO;
 * every mapping kept has start < end below 2^56, only R/W/X protection bits, a page
 * shift from 12 to 63 (12 unless a pseudo-fs path), a user limit of 2^47 or 2^56; the
 * result does not depend on what the stack held before (parsing twice, over different
 * stack garbage, gives the same snapshot); when the kept mappings are sorted and
 * disjoint (as the kernel writes them), lookups find each one at its first and last
 * byte and nothing just outside.
 */
#include "../lib/iopf/iopf_maps.c"

#include "fuzz_common.h"

#define TEXT_MAX 8192

static __attribute__((noinline)) void
stack_fill(uint8_t byte)
{
	volatile uint8_t junk[16384];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(byte ^ "rwxp"[i % 4]);
}

static __attribute__((noinline)) struct iopf_maps *
parse_copy(const char *text, size_t len, uint8_t fill, uint8_t **anon, int *err)
{
	char *copy = malloc(len + 1);
	struct iopf_maps *m;

	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	stack_fill(fill);
	*err = 0;
	m = parse_maps(copy, -1, anon, err);
	free(copy);
	return m;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init(); /* rte_log */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iopf_maps *m, *m2;
	uint8_t *anon = NULL, *anon2 = NULL;
	char text[TEXT_MAX + 1];
	int err, err2;
	bool sorted = true;

	if (size > TEXT_MAX)
		size = TEXT_MAX;
	memcpy(text, data, size);
	text[size] = '\0';
	size = strlen(text); /* the file has no NUL: the text ends at the first one */

	m = parse_copy(text, size, 0x00, &anon, &err);
	m2 = parse_copy(text, size, 0xff, &anon2, &err2);
	FZ_CHECK((m == NULL) == (m2 == NULL) && err == err2, "maps: two parses of one text "
		"differ (%p/%p, %d/%d)", (void *)m, (void *)m2, err, err2);
	if (m == NULL || m2 == NULL) {
		FZ_CHECK(m != NULL || err == -EIO || err == -ENOMEM, "maps: refused with %d", err);
		free(m);
		free(m2);
		free(anon);
		free(anon2);
		return 0;
	}
	FZ_CHECK(m->n == m2->n && m->user_limit == m2->user_limit &&
		memcmp(m->v, m2->v, m->n * sizeof(m->v[0])) == 0 &&
		memcmp(anon, anon2, m->n) == 0, "maps: the snapshot depends on stack garbage "
		"(an uninitialised read in parse_maps)");
	FZ_CHECK(m->n > 0, "maps: an empty snapshot accepted");
	FZ_CHECK(m->user_limit == UINT64_C(1) << 47 || m->user_limit == UINT64_C(1) << 56,
		"maps: user limit %" PRIx64, m->user_limit);
	for (uint32_t i = 0; i < m->n; i++) {
		const struct iopf_vma *v = &m->v[i];

		FZ_CHECK(v->start < v->end && v->start < (UINT64_C(1) << 56), "maps: vma %u "
			"[%" PRIx64 ", %" PRIx64 ")", i, v->start, v->end);
		FZ_CHECK((v->prot & ~(IOPF_VMA_R | IOPF_VMA_W | IOPF_VMA_X)) == 0, "maps: prot %x",
			v->prot);
		FZ_CHECK(v->page_shift >= 12 && v->page_shift < 64, "maps: page shift %u",
			v->page_shift);
		FZ_CHECK(anon[i] <= 1 && v->thp == 0, "maps: anon %u thp %u", anon[i], v->thp);
		if (i > 0 && v->start < m->v[i - 1].end)
			sorted = false;
	}
	if (sorted) {
		for (uint32_t i = 0; i < m->n; i++) {
			const struct iopf_vma *v = &m->v[i];

			FZ_CHECK(iopf_maps_lookup(m, v->start) == v &&
				iopf_maps_lookup(m, v->end - 1) == v, "maps: lookup misses vma %u", i);
			if (v->start > 0 && (i == 0 || m->v[i - 1].end < v->start))
				FZ_CHECK(iopf_maps_lookup(m, v->start - 1) == NULL,
					"maps: lookup finds a hole below vma %u", i);
		}
		FZ_CHECK(iopf_maps_lookup(m, m->v[m->n - 1].end) == NULL, "maps: lookup past the end");
	}
	free(m);
	free(m2);
	free(anon);
	free(anon2);
	return 0;
}
