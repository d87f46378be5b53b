// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU: one lock that the host thread running kernel code owns.
 *
 * The owner may take it again (count > 1).  Other host threads sleep until
 * the owner releases it.  An interrupt raised while another thread owns the
 * CPU is left pending; the owner runs it when it releases the CPU or enables
 * interrupts.
 *
 * When nothing runs, the idle task's host thread parks in arch_cpu_idle()
 * with the tick stopped and the CPU free.  An interrupt then runs in the
 * idle task's context on the thread that raised it; a system call or an
 * interrupt hands the CPU back to the idle thread ("kick"), which schedules
 * or re-evaluates the tick and parks again.
 */

#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>
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
	struct lkl_sem *idle_sem;
	bool idle;
	bool shutdown;
} cpu;

/* Set from any host thread when an interrupt is left pending. */
static bool irqs_pending;

/*
 * A CPU that runs on at one instant of the host's clock.
 *
 * Under a host whose clock only moves when the kernel hands control back
 * (virtual time), kernel code that waits by polling, or a work item that
 * queues itself again at once (the neighbour tables' garbage collector
 * with a base_reachable_time of 0 does), would run for ever and the
 * simulation would stand still; on a real machine time passes while a CPU
 * spins.  So after LKL_SPIN_BOUND enablings of interrupts at one instant
 * of the host's clock, the CPU stalls for a tick: its thread waits, the
 * CPU held, for a host timer a tick away, as if the time had gone to the
 * spinning.  Interrupts raised meanwhile run when it goes on.  A CPU that
 * stalls again before it has gone idle stalls twice as long each time, up
 * to a second, so that time moves on briskly past a kernel thread that
 * spins for good (it gets LKL_SPIN_BOUND enablings per stall, not per
 * tick).  Counted, not timed, so the same run stalls at the same points;
 * a host whose clock moves by itself (the POSIX host) never stalls.
 */
#define LKL_SPIN_CHECK		1024
#define LKL_SPIN_BOUND		BIT(18)

static struct {
	unsigned long count;
	u64 at;
	void *timer;
	struct lkl_sem *sem;
	unsigned long stalls;
	/* Ticks of the next stall: 1 after the CPU went idle. */
	unsigned long ticks;
} spin;

static void spin_timer_fn(void)
{
	lkl_ops->sem_up(spin.sem);
}

/* At every enabling of interrupts outside interrupt context; CPU held. */
void lkl_cpu_spin(void)
{
	u64 now;

	if (++spin.count % LKL_SPIN_CHECK)
		return;
	now = lkl_ops->time();
	if (now != spin.at) {
		spin.at = now;
		spin.count = 0;
		return;
	}
	if (spin.count < LKL_SPIN_BOUND || !spin.timer)
		return;
	spin.count = 0;
	spin.stalls++;
	spin.ticks = clamp(spin.ticks, 1UL, (unsigned long)HZ);
	if (!lkl_ops->timer_set_oneshot(spin.timer, spin.ticks * TICK_NSEC))
		lkl_ops->sem_down(spin.sem);
	spin.ticks *= 2;
}

unsigned long lkl_cpu_stalls(void)
{
	return spin.stalls;
}

static bool is_owner(lkl_thread_t self)
{
	return cpu.owner && lkl_ops->thread_equal(cpu.owner, self);
}

int lkl_cpu_init(void)
{
	cpu.lock = lkl_ops->mutex_alloc(0);
	cpu.sem = lkl_ops->sem_alloc(0);
	cpu.idle_sem = lkl_ops->sem_alloc(0);
	spin.sem = lkl_ops->sem_alloc(0);
	if (!cpu.lock || !cpu.sem || !cpu.idle_sem || !spin.sem) {
		lkl_cpu_cleanup();
		return -ENOMEM;
	}
	/* Without host timers the CPU cannot stall: it spins. */
	if (lkl_ops->timer_alloc && lkl_ops->timer_set_oneshot &&
	    lkl_ops->timer_free && lkl_ops->time)
		spin.timer = lkl_ops->timer_alloc(spin_timer_fn);
	return 0;
}

void lkl_cpu_cleanup(void)
{
	if (cpu.lock)
		lkl_ops->mutex_free(cpu.lock);
	if (cpu.sem)
		lkl_ops->sem_free(cpu.sem);
	if (cpu.idle_sem)
		lkl_ops->sem_free(cpu.idle_sem);
	if (spin.timer)
		lkl_ops->timer_free(spin.timer);
	if (spin.sem)
		lkl_ops->sem_free(spin.sem);
	cpu.lock = NULL;
	cpu.sem = NULL;
	cpu.idle_sem = NULL;
	spin.timer = NULL;
	spin.sem = NULL;
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

/* lkl_cpu_get() for a caller that cannot wait: -EBUSY while another holds it. */
int lkl_cpu_try_get(void)
{
	lkl_thread_t self = lkl_ops->thread_self();
	int ret = 0;

	lkl_ops->mutex_lock(cpu.lock);
	if (cpu.shutdown) {
		ret = -ENODEV;
	} else if (cpu.owner && !is_owner(self)) {
		ret = -EBUSY;
	} else {
		cpu.owner = self;
		cpu.count++;
	}
	lkl_ops->mutex_unlock(cpu.lock);
	return ret;
}

/* Give the CPU, held once, to the parked idle thread.  Lock held. */
static void kick_idle(void)
{
	cpu.owner = init_task.thread.tid;
	cpu.idle = false;
	lkl_ops->sem_up(cpu.idle_sem);
}

void lkl_cpu_kick_idle(void)
{
	lkl_ops->mutex_lock(cpu.lock);
	WARN_ON(!cpu.idle || cpu.count != 1);
	kick_idle();
	lkl_ops->mutex_unlock(cpu.lock);
}

void lkl_cpu_put(void)
{
	lkl_thread_t self = lkl_ops->thread_self();

	lkl_ops->mutex_lock(cpu.lock);
	if (WARN_ON(!is_owner(self))) {
		lkl_ops->mutex_unlock(cpu.lock);
		return;
	}

	while (READ_ONCE(irqs_pending) && !irqs_disabled()) {
		lkl_ops->mutex_unlock(cpu.lock);
		run_irqs();
		lkl_ops->mutex_lock(cpu.lock);
	}

	if (cpu.count == 1 && !cpu.shutdown) {
		/*
		 * A host task stays current after its system call only while
		 * nothing else can run and its own thread leaves: back-to-back
		 * calls then switch nothing.  Otherwise it sleeps until its
		 * thread comes back, and the next task (or idle) runs.
		 */
		if (test_thread_flag(TIF_HOST_THREAD) &&
		    (!single_task_running() ||
		     !lkl_ops->thread_equal(current->thread.tid, self))) {
			lkl_ops->mutex_unlock(cpu.lock);
			lkl_sched_jb();
			lkl_ops->mutex_lock(cpu.lock);
			/* The CPU now belongs to the next task's thread. */
			if (!is_owner(self)) {
				lkl_ops->mutex_unlock(cpu.lock);
				return;
			}
		}
		/*
		 * An interrupt ran while idle: the idle thread must go round
		 * its loop once, to schedule what the interrupt woke up and to
		 * stop or reprogram the tick (NO_HZ defers that to the idle
		 * loop), before it parks again.
		 */
		if (cpu.idle && is_idle_task(current)) {
			kick_idle();
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
	/* Threads waiting for the CPU give up with -ENODEV. */
	while (cpu.sleepers) {
		cpu.sleepers--;
		lkl_ops->sem_up(cpu.sem);
	}
	lkl_ops->mutex_unlock(cpu.lock);
}

bool lkl_cpu_is_shutdown(void)
{
	return READ_ONCE(cpu.shutdown);
}

/*
 * Park the idle thread: free the CPU and wait for a kick.  Returns false
 * without parking if interrupts became pending, true after a kick.
 */
static bool idle_park(void)
{
	lkl_ops->mutex_lock(cpu.lock);
	if (READ_ONCE(irqs_pending) || cpu.shutdown) {
		lkl_ops->mutex_unlock(cpu.lock);
		return false;
	}
	WARN_ON(cpu.count != 1);
	cpu.count = 0;
	cpu.owner = 0;
	cpu.idle = true;
	spin.ticks = 1;
	if (cpu.sleepers) {
		cpu.sleepers--;
		lkl_ops->sem_up(cpu.sem);
	}
	lkl_ops->mutex_unlock(cpu.lock);

	lkl_ops->sem_down(cpu.idle_sem);

	/* The kicker handed the CPU over, or the halt wants us gone. */
	if (current->thread.dead)
		lkl_ops->thread_exit();
	lkl_ops->mutex_lock(cpu.lock);
	cpu.count = 1;
	lkl_ops->mutex_unlock(cpu.lock);
	return true;
}

/* At the halt: make a parked idle thread exit.  Returns false if not parked. */
bool lkl_cpu_unpark_dead_idle(void)
{
	bool parked;

	lkl_ops->mutex_lock(cpu.lock);
	parked = cpu.idle;
	if (parked) {
		init_task.thread.dead = true;
		lkl_ops->sem_up(cpu.idle_sem);
	}
	lkl_ops->mutex_unlock(cpu.lock);
	return parked;
}

/*
 * Nothing to run.  Called with interrupts disabled; stops the tick and
 * returns with interrupts enabled once there may be something to do.
 */
void arch_cpu_idle(void)
{
	/*
	 * Without a cpuidle driver the idle loop keeps the tick on the first
	 * idle entry after a wakeup, in case the CPU is soon busy again: a
	 * stop and restart costs more than one tick on a real machine.  Here
	 * the tick is the cost, a host timer event (under ns-3-dce a switch
	 * of the node's globals), while stopping it is a few instructions.
	 */
	if (!tick_nohz_tick_stopped())
		tick_nohz_idle_stop_tick();
	/* Parked with interrupts enabled: raising one runs it at once. */
	raw_local_irq_enable();
	while (!need_resched() && !lkl_cpu_is_shutdown()) {
		if (idle_park())
			return;
		run_irqs();
	}
}
