/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_IRQ_H
#define _ASM_LKL_IRQ_H

/* One pending bit per interrupt, IRQ_STATUS_BITS interrupts per word. */
#define IRQ_STATUS_BITS		(sizeof(long) * 8)
#define NR_IRQS			((int)(IRQ_STATUS_BITS * 4))

void run_irqs(void);
void lkl_set_irq_pending(int irq);

#include <asm/host_ops.h>

#endif /* _ASM_LKL_IRQ_H */
