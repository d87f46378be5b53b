/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_CPU_H
#define _ASM_LKL_CPU_H

#include <asm/host_ops.h>

/*
 * The "CPU": a lock that the one host thread running kernel code holds.
 */
int lkl_cpu_init(void);
int lkl_cpu_get(void);
int lkl_cpu_try_get(void);
void lkl_cpu_put(void);
int lkl_cpu_try_run_irq(int irq);
void lkl_cpu_clear_irqs_pending(void);
void lkl_cpu_change_owner(lkl_thread_t owner);
void lkl_cpu_kick_idle(void);
bool lkl_cpu_unpark_dead_idle(void);
void lkl_cpu_shutdown(void);
bool lkl_cpu_is_shutdown(void);
void lkl_cpu_cleanup(void);
void lkl_cpu_spin(void);
unsigned long lkl_cpu_stalls(void);

#endif /* _ASM_LKL_CPU_H */
