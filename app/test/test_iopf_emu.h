/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_IOPF_EMU_H
#define TEST_IOPF_EMU_H

/* The end-to-end half of iopf_autotest (lib/iopf on the emu driver, both models). */
int test_iopf_emu(void);

#endif /* TEST_IOPF_EMU_H */
