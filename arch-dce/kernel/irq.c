// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts raised by the host.
 *
 * Any host thread may raise an interrupt with lkl_trigger_irq().  If the CPU
 * is free the interrupt runs at once on that thread; otherwise it is marked
 * pending and runs when the owner of the CPU releases it or enables
 * interrupts.  Interrupts never preempt running kernel code.
 *
 * The interrupt "flags" are a plain variable: only the owner of the CPU
 * reads or writes them.  The pending bits are set from other threads and use
 * atomic operations.
 */

#include <linux/bitops.h>
#include <linux/hardirq.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqchip.h>
#include <linux/tick.h>
#include <asm/irq_regs.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include <asm/syscalls.h>

#define IRQ_STATUS_WORDS	DIV_ROUND_UP(NR_IRQS, IRQ_STATUS_BITS)

static unsigned long irq_status[IRQ_STATUS_WORDS];
static unsigned long irq_index_status;
static unsigned long irqs_in_use[IRQ_STATUS_WORDS];
static const char *irq_users[NR_IRQS];

static unsigned long irqs_enabled;

void lkl_set_irq_pending(int irq)
{
	int word = irq / IRQ_STATUS_BITS;
	int bit = irq % IRQ_STATUS_BITS;

	__atomic_fetch_or(&irq_status[word], BIT(bit), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&irq_index_status, BIT(word), __ATOMIC_SEQ_CST);
}

static void do_irq(int irq)
{
	struct pt_regs regs = { };
	struct pt_regs *old_regs = set_irq_regs(&regs);

	irq_enter();
	generic_handle_irq(irq);
	irq_exit();

	set_irq_regs(old_regs);
}

/* Runs every pending interrupt; the caller owns the CPU. */
void run_irqs(void)
{
	unsigned long index, status;
	unsigned long flags;
	int word, bit;

	if (in_interrupt())
		return;

	local_irq_save(flags);
	lkl_cpu_clear_irqs_pending();
	index = __atomic_exchange_n(&irq_index_status, 0, __ATOMIC_SEQ_CST);
	while (index) {
		word = __ffs(index);
		index &= ~BIT(word);
		status = __atomic_exchange_n(&irq_status[word], 0,
					     __ATOMIC_SEQ_CST);
		while (status) {
			bit = __ffs(status);
			status &= ~BIT(bit);
			do_irq(word * IRQ_STATUS_BITS + bit);
		}
	}
	/* Restoring with interrupts disabled does not recurse. */
	irqs_enabled = flags;
}

int lkl_trigger_irq(int irq)
{
	int ret;

	if (irq <= 0 || irq >= NR_IRQS)
		return -EINVAL;

	ret = lkl_cpu_try_run_irq(irq);
	if (ret <= 0)
		return ret;

	/* We own the CPU now. */
	if (!irqs_enabled || in_interrupt()) {
		lkl_set_irq_pending(irq);
	} else {
		unsigned long flags;

		local_irq_save(flags);
		do_irq(irq);
		local_irq_restore(flags);
	}
	lkl_cpu_put();
	return 0;
}

int lkl_get_free_irq(const char *user)
{
	int irq, word, bit;

	for (irq = 1; irq < NR_IRQS; irq++) {
		word = irq / IRQ_STATUS_BITS;
		bit = irq % IRQ_STATUS_BITS;
		if (!(__atomic_fetch_or(&irqs_in_use[word], BIT(bit),
					__ATOMIC_SEQ_CST) & BIT(bit))) {
			irq_users[irq] = user;
			return irq;
		}
	}
	return -EBUSY;
}

void lkl_put_irq(int irq, const char *user)
{
	int word = irq / IRQ_STATUS_BITS;
	int bit = irq % IRQ_STATUS_BITS;

	if (irq <= 0 || irq >= NR_IRQS || irq_users[irq] != user)
		return;
	irq_users[irq] = NULL;
	__atomic_fetch_and(&irqs_in_use[word], ~BIT(bit), __ATOMIC_SEQ_CST);
}

unsigned long arch_local_save_flags(void)
{
	return irqs_enabled;
}

void arch_local_irq_restore(unsigned long flags)
{
	if (flags == ARCH_IRQ_ENABLED && irqs_enabled == ARCH_IRQ_DISABLED &&
	    !in_interrupt()) {
		lkl_cpu_spin();
		lkl_syscall_apply_abandons();
		run_irqs();
	}
	irqs_enabled = flags;
}

void cpu_relax(void)
{
	unsigned long flags;

	local_irq_save(flags);
	local_irq_restore(flags);
}

void __init init_IRQ(void)
{
	int i;

	for (i = 0; i < NR_IRQS; i++)
		irq_set_chip_and_handler(i, &dummy_irq_chip, handle_simple_irq);

	pr_info("lkl: irqs initialized\n");
}
