// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU: one lock that the host thread running kernel code owns.
 *
 * The owner may take it again (count > 1, e.g. an interrupt raised from a
 * system call).  Other host threads sleep until the owner releases it.  An
 * interrupt raised while another thread owns the CPU is left pending; the
 * owner runs it when it releases the CPU or enables interrupts.
 */

#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/tick.h>
#include <linux/irqflags.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include <asm/sched.h>
#include <asm/syscalls.h>
#include <asm/irq.h>

static struct lkl_cpu {
	struct lkl_mutex *lock;
	lkl_thread_t owner;
	unsigned int count;
	unsigned int sleepers;
	struct lkl_sem *sem;
	bool shutdown;
} cpu;

/* Set from any host thread when an interrupt is left pending. */
static bool irqs_pending;

static bool is_owner(lkl_thread_t self)
{
	return cpu.owner && lkl_ops->thread_equal(cpu.owner, self);
}

int lkl_cpu_init(void)
{
	cpu.lock = lkl_ops->mutex_alloc(0);
	cpu.sem = lkl_ops->sem_alloc(0);
	if (!cpu.lock || !cpu.sem) {
		lkl_cpu_cleanup();
		return -ENOMEM;
	}
	return 0;
}

void lkl_cpu_cleanup(void)
{
	if (cpu.lock)
		lkl_ops->mutex_free(cpu.lock);
	if (cpu.sem)
		lkl_ops->sem_free(cpu.sem);
	cpu.lock = NULL;
	cpu.sem = NULL;
}

int lkl_cpu_get(void)
{
	lkl_thread_t self = lkl_ops->thread_self();

	lkl_ops->mutex_lock(cpu.lock);
	while (!cpu.shutdown && cpu.owner && !is_owner(self)) {
		cpu.sleepers++;
		lkl_ops->mutex_unlock(cpu.lock);
		lkl_ops->sem_down(cpu.sem);
		lkl_ops->mutex_lock(cpu.lock);
	}
	if (cpu.shutdown) {
		lkl_ops->mutex_unlock(cpu.lock);
		return -ENODEV;
	}
	cpu.owner = self;
	cpu.count++;
	lkl_ops->mutex_unlock(cpu.lock);
	return 0;
}

void lkl_cpu_put(void)
{
	lkl_ops->mutex_lock(cpu.lock);
	if (WARN_ON(!is_owner(lkl_ops->thread_self()))) {
		lkl_ops->mutex_unlock(cpu.lock);
		return;
	}

	while (READ_ONCE(irqs_pending) && !irqs_disabled()) {
		lkl_ops->mutex_unlock(cpu.lock);
		run_irqs();
		lkl_ops->mutex_lock(cpu.lock);
	}

	/*
	 * Leaving the kernel from a host task while other tasks can run: let
	 * them run now.  The host task sleeps until its thread comes back.
	 */
	if (cpu.count == 1 && !cpu.shutdown &&
	    test_thread_flag(TIF_HOST_THREAD) && !single_task_running()) {
		lkl_ops->mutex_unlock(cpu.lock);
		lkl_sched_jb();
		lkl_ops->mutex_lock(cpu.lock);
		/* The CPU now belongs to the next task's thread, or to us. */
		if (!is_owner(lkl_ops->thread_self())) {
			lkl_ops->mutex_unlock(cpu.lock);
			return;
		}
	}

	if (--cpu.count > 0) {
		lkl_ops->mutex_unlock(cpu.lock);
		return;
	}
	cpu.owner = 0;
	if (cpu.sleepers) {
		cpu.sleepers--;
		lkl_ops->sem_up(cpu.sem);
	}
	lkl_ops->mutex_unlock(cpu.lock);
}

/*
 * Take the CPU for an interrupt if it is free.  Returns 1 when the caller
 * now owns the CPU and must run the interrupt, 0 when the interrupt was
 * left pending for the owner, or -ENODEV after the halt.
 */
int lkl_cpu_try_run_irq(int irq)
{
	lkl_thread_t self = lkl_ops->thread_self();
	int ret;

	lkl_ops->mutex_lock(cpu.lock);
	if (cpu.shutdown) {
		ret = -ENODEV;
	} else if (!cpu.owner || is_owner(self)) {
		cpu.owner = self;
		cpu.count++;
		ret = 1;
	} else {
		lkl_set_irq_pending(irq);
		WRITE_ONCE(irqs_pending, true);
		ret = 0;
	}
	lkl_ops->mutex_unlock(cpu.lock);
	return ret;
}

/* Called with the CPU held, by whoever runs the pending interrupts. */
void lkl_cpu_clear_irqs_pending(void)
{
	WRITE_ONCE(irqs_pending, false);
}

/* Hand the CPU to another host thread, from __switch_to(). */
void lkl_cpu_change_owner(lkl_thread_t owner)
{
	lkl_ops->mutex_lock(cpu.lock);
	WARN_ON(cpu.count != 1);
	cpu.owner = owner;
	lkl_ops->mutex_unlock(cpu.lock);
}

void lkl_cpu_shutdown(void)
{
	lkl_ops->mutex_lock(cpu.lock);
	cpu.shutdown = true;
	lkl_ops->mutex_unlock(cpu.lock);
}

bool lkl_cpu_is_shutdown(void)
{
	return READ_ONCE(cpu.shutdown);
}

/*
 * Nothing to run: hand the CPU over to the idle host task, whose thread
 * releases it.  The idle task runs again when there is nothing else to do
 * once more.
 */
void arch_cpu_idle(void)
{
	lkl_wakeup_idle_host_task();
	raw_local_irq_enable();
}
