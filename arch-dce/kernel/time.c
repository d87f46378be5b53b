// SPDX-License-Identifier: GPL-2.0
/*
 * Time from the host: a clocksource over the host's clock and a one-shot
 * clock event device over one host timer, whose expiry raises an interrupt.
 *
 * The host's clock counts nanoseconds from an origin of the host's choice
 * (under DCE, the start of the simulation).  The kernel's clocks are set
 * from it at boot, as a real machine's are:
 *
 *   CLOCK_REALTIME	the epoch (seconds since 1970 at the host's origin:
 *			"lkl.epoch=" on the command line, the "lkl.epoch"
 *			sysctl after boot) plus the host's clock
 *   CLOCK_MONOTONIC	LKL_BOOT_UPTIME_NS at boot, never 0: a machine has
 *			been up a while before its kernel reads the clock,
 *			and TCP takes a timestamp of 0 for "none"
 *
 * Both then advance exactly with the host's clock.
 */

#include <linux/clocksource.h>
#include <linux/clockchips.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/delay.h>
#include <linux/sched/clock.h>
#include <linux/sysctl.h>
#include <linux/timekeeping.h>
#include <asm/host_ops.h>
#include <asm/time.h>

#define LKL_BOOT_UPTIME_NS	NSEC_PER_SEC
/* 2024-11-17 00:00:00 UTC, the day Linux 6.12 was released */
#define LKL_EPOCH_DEFAULT	1731801600UL
/* 9999-12-31 23:59:59 UTC */
#define LKL_EPOCH_MAX		253402300799UL

static unsigned long epoch = LKL_EPOCH_DEFAULT;
static unsigned long long boot_time;
static bool time_initialized;
static int timer_irq;
static void *timer;

unsigned long long sched_clock(void)
{
	if (!time_initialized)
		return 0;
	return lkl_ops->time() - boot_time;
}

static u64 host_time(void)
{
	return lkl_ops->time ? lkl_ops->time() : 0;
}

/* The real time when the host's clock reads @now. */
static struct timespec64 real_time(unsigned long secs, u64 now)
{
	struct timespec64 ts = ns_to_timespec64(now);

	ts.tv_sec += secs;
	return ts;
}

void read_persistent_clock64(struct timespec64 *ts)
{
	*ts = real_time(epoch, host_time());
}

void __init read_persistent_wall_and_boot_offset(struct timespec64 *wall_time,
						 struct timespec64 *boot_offset)
{
	read_persistent_clock64(wall_time);
	*boot_offset = ns_to_timespec64(LKL_BOOT_UPTIME_NS);
}

static int __init early_epoch(char *arg)
{
	unsigned long secs;

	if (!arg || kstrtoul(arg, 10, &secs) || secs > LKL_EPOCH_MAX) {
		pr_warn("lkl: lkl.epoch=%s is not a number of seconds up to %lu\n",
			arg ? arg : "", LKL_EPOCH_MAX);
		return -EINVAL;
	}
	epoch = secs;
	return 0;
}
early_param("lkl.epoch", early_epoch);

/*
 * The "lkl.epoch" sysctl: reads the epoch the real time runs from now
 * (seconds, rounded), and a write sets the real time from a new epoch.
 */
static int epoch_handler(const struct ctl_table *table, int write,
			 void *buffer, size_t *lenp, loff_t *ppos)
{
	unsigned long secs;
	struct ctl_table t = *table;
	struct timespec64 ts;
	s64 off;
	int ret;

	off = ktime_get_real_ns() - (s64)host_time();
	secs = off <= 0 ? 0 : div_s64(off + NSEC_PER_SEC / 2, NSEC_PER_SEC);
	t.data = &secs;
	ret = proc_doulongvec_minmax(&t, write, buffer, lenp, ppos);
	if (ret || !write)
		return ret;
	ts = real_time(secs, host_time());
	ret = do_settimeofday64(&ts);
	if (!ret)
		epoch = secs;
	return ret;
}

static unsigned long epoch_max = LKL_EPOCH_MAX;

static struct ctl_table time_table[] = {
	{
		.procname	= "epoch",
		.maxlen		= sizeof(unsigned long),
		.mode		= 0644,
		.proc_handler	= epoch_handler,
		.extra2		= &epoch_max,
	},
};

static int __init time_sysctl_init(void)
{
	register_sysctl_init("lkl", time_table);
	return 0;
}
late_initcall(time_sysctl_init);

/* Busy waits never end in virtual time: delays return at once. */
void __ndelay(unsigned long nsecs)
{
}

void __udelay(unsigned long usecs)
{
}

void __const_udelay(unsigned long xloops)
{
}

void __delay(unsigned long loops)
{
}

void calibrate_delay(void)
{
}

static u64 clock_read(struct clocksource *cs)
{
	return lkl_ops->time();
}

static struct clocksource clocksource = {
	.name	= "lkl",
	.rating	= 499,
	.read	= clock_read,
	.flags	= CLOCK_SOURCE_IS_CONTINUOUS,
	.mask	= CLOCKSOURCE_MASK(64),
};

static void timer_fn(void)
{
	lkl_trigger_irq(timer_irq);
}

static int clockevent_set_state_shutdown(struct clock_event_device *evt)
{
	if (timer) {
		lkl_ops->timer_free(timer);
		timer = NULL;
	}
	return 0;
}

static int clockevent_set_state_oneshot(struct clock_event_device *evt)
{
	if (timer)
		return 0;
	timer = lkl_ops->timer_alloc(timer_fn);
	return timer ? 0 : -ENOMEM;
}

static int clockevent_next_event(unsigned long ns,
				 struct clock_event_device *evt)
{
	if (!timer)
		return -EINVAL;
	return lkl_ops->timer_set_oneshot(timer, ns);
}

static struct clock_event_device clockevent = {
	.name			= "lkl",
	.features		= CLOCK_EVT_FEAT_ONESHOT,
	.set_state_oneshot	= clockevent_set_state_oneshot,
	.set_next_event		= clockevent_next_event,
	.set_state_shutdown	= clockevent_set_state_shutdown,
};

/* The per-CPU cookie of the timer interrupt: the CPU's event device. */
static DEFINE_PER_CPU(struct clock_event_device *, timer_evt) = &clockevent;

static irqreturn_t timer_irq_handler(int irq, void *dev_id)
{
	struct clock_event_device *dev = *(struct clock_event_device **)dev_id;

	dev->event_handler(dev);
	return IRQ_HANDLED;
}

void __init time_init(void)
{
	int ret;

	if (!lkl_ops->timer_alloc || !lkl_ops->timer_free ||
	    !lkl_ops->timer_set_oneshot || !lkl_ops->time) {
		pr_err("lkl: no time or timers available\n");
		return;
	}

	timer_irq = lkl_get_free_irq("timer");
	if (timer_irq < 0) {
		pr_err("lkl: no interrupt for the timer: %d\n", timer_irq);
		return;
	}
	/*
	 * A per-CPU interrupt, as a CPU's local timer is (the APIC timer,
	 * the arm arch timer): its flow does not feed the entropy pool.  A
	 * shared interrupt's would, and the mixing timer it then arms a tick
	 * later makes every wakeup of an idle CPU cost two host events.
	 */
	ret = irq_set_percpu_devid(timer_irq);
	if (!ret) {
		irq_set_handler(timer_irq, handle_percpu_devid_irq);
		ret = request_percpu_irq(timer_irq, timer_irq_handler,
					 "lkl_timer", &timer_evt);
	}
	if (!ret)
		enable_percpu_irq(timer_irq, IRQ_TYPE_NONE);
	if (ret) {
		pr_err("lkl: unable to register timer irq: %d\n", ret);
		return;
	}

	ret = clocksource_register_khz(&clocksource, 1000000);
	if (ret)
		pr_err("lkl: unable to register clocksource: %d\n", ret);

	clockevent.cpumask = cpumask_of(0);
	clockevents_config_and_register(&clockevent, NSEC_PER_SEC, 1,
					ULONG_MAX);

	boot_time = lkl_ops->time();
	time_initialized = true;
	pr_info("lkl: time and timers initialized (irq%d)\n", timer_irq);
}

/* After the halt: no more timer interrupts. */
void lkl_time_cleanup(void)
{
	clockevent_set_state_shutdown(&clockevent);
	if (timer_irq > 0)
		lkl_put_irq(timer_irq, "timer");
}
