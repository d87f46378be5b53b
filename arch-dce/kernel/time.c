// SPDX-License-Identifier: GPL-2.0
/*
 * Time from the host: a clocksource over the host's clock and a one-shot
 * clock event device over one host timer, whose expiry raises an interrupt.
 */

#include <linux/clocksource.h>
#include <linux/clockchips.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/delay.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <asm/host_ops.h>
#include <asm/time.h>

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

void read_persistent_clock64(struct timespec64 *ts)
{
	*ts = ns_to_timespec64(lkl_ops->time());
}

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

static irqreturn_t timer_irq_handler(int irq, void *dev_id)
{
	struct clock_event_device *dev = dev_id;

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
	ret = request_irq(timer_irq, timer_irq_handler,
			  IRQF_TIMER | IRQF_NOBALANCING, "lkl_timer",
			  &clockevent);
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
