/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_IRQ_H
#define _ASM_LKL_IRQ_H

/*
 * The kernel takes two interrupts (the timer, the network devices'
 * receive) and hosts may take a few for devices of their own: 8, number 0
 * unused.  Each costs an irq_desc (248 bytes) in the data ns-3-dce copies
 * on every switch between nodes.  One pending bit per interrupt,
 * IRQ_STATUS_BITS interrupts per word.
 */
#define NR_IRQS			8
#define IRQ_STATUS_BITS		(sizeof(long) * 8)

void run_irqs(void);
void lkl_set_irq_pending(int irq);

#include <asm/host_ops.h>

#endif /* _ASM_LKL_IRQ_H */
