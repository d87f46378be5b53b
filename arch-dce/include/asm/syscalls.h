/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_SYSCALLS_H
#define _ASM_LKL_SYSCALLS_H

int lkl_syscalls_init(void);
void lkl_syscalls_cleanup(void);
void lkl_syscalls_adopt_host0(void);

#include <asm-generic/syscalls.h>

#endif /* _ASM_LKL_SYSCALLS_H */
