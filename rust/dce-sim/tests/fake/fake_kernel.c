// SPDX-License-Identifier: GPL-2.0
/*
 * A fake kernel library for dce-sim's ABI tests: the smallest thing that
 * uses the imports the way a LibOS-style kernel does (copy the imports,
 * fill every export, print, start a kernel task that sleeps on timers).
 *
 * Variants for negative tests are selected with -D at build time:
 *   NO_SIM_INIT          export no sim_init
 *   LEAVE_NULL=<slot>    leave exported-><slot> NULL
 *   PRE_FN_NULL          schedule the tick with pre_fn NULL
 *   FREE_NULL            free(NULL) on the first tick
 *   TASK_CURRENT_IN_EVENT  call task_current from the timer callback
 *   EXERCISE             on the first tick also use event_cancel, dev_xmit,
 *                        poll_event, signal_raised, task_yield and report
 *                        task_wakeup results
 *   STALE_CANCEL         event_cancel the tick's handle after it fired
 *   CALL_GETENV          call getenv in sim_init (a file/env import)
 */
#include <stdarg.h>
#include <stddef.h>
#include "sim-init.h"

struct SimTask {
	void *priv;
	unsigned long pid;
};

static struct SimImported imp;
static struct SimKernel *kern;
/* One per copy of the library: 1 in every node if nodes do not share it. */
static int init_count;
static struct SimTask *ticker;
static unsigned long jiffies_updates;
static int last_wakeup = -1;
static void *tick_event;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imp.vprintf(kern, fmt, ap);
	va_end(ap);
}

static struct SimTask *fk_task_create(void *priv, unsigned long pid)
{
	struct SimTask *t = imp.malloc(kern, sizeof(*t));

	t->priv = priv;
	t->pid = pid;
	return t;
}

static void *fk_task_get_private(struct SimTask *t)
{
	return t->priv;
}

/* One device, as DCE creates it: dev_get_private must give its priv back. */
#define FAKE_DEV ((struct SimDevice *)0x40)
static void *dev_priv;

static struct SimDevice *fk_dev_create(const char *ifname, void *priv,
				       enum SimDevFlags flags)
{
	(void)ifname;
	(void)flags;
	dev_priv = priv;
	return FAKE_DEV;
}

static void *fk_dev_get_private(struct SimDevice *dev)
{
	return dev == FAKE_DEV ? dev_priv : NULL;
}

static void stub(void)
{
}

static __attribute__((unused)) void update_jiffies(void)
{
	jiffies_updates++;
}

static void tick_fn(void *ctx)
{
#ifdef TASK_CURRENT_IN_EVENT
	imp.task_current(kern);
#endif
	tick_event = NULL;
	last_wakeup = imp.task_wakeup(kern, ctx);
}

static __attribute__((unused)) void never(void *ctx)
{
	(void)ctx;
	say("cancelled event ran!\n");
}

static void ticker_main(void *ctx)
{
	struct SimTask *me = imp.task_current(kern);
	unsigned long n;

	(void)ctx;
	say("ticker: task_current %s the task_start result\n",
	    me == ticker ? "is" : "is NOT");
	for (n = 1;; n++) {
		char *p = imp.malloc(kern, 100);

		imp.memset(kern, p, 'x', 100);
#ifdef FREE_NULL
		imp.free(kern, NULL);
#endif
#ifdef PRE_FN_NULL
		imp.event_schedule_ns(kern, 1000000000ULL, tick_fn, me, NULL);
#else
		tick_event = imp.event_schedule_ns(kern, 1000000000ULL,
						   tick_fn, me, update_jiffies);
#endif
#ifdef STALE_CANCEL
		{
			void *ev = tick_event;

			imp.task_wait(kern);
			imp.event_cancel(kern, ev);
		}
#else
		imp.task_wait(kern);
#endif
		say("tick %lu at %llu ns (pre_fn ran %lu times)\n", n,
		    (unsigned long long)imp.current_ns(kern), jiffies_updates);
#ifdef EXERCISE
		if (n == 1) {
			unsigned char frame[60];
			void *ev = imp.event_schedule_ns(kern, 10, never, NULL,
							 update_jiffies);

			imp.event_cancel(kern, ev);
			imp.memset(kern, frame, 0xab, sizeof(frame));
			imp.dev_xmit(kern, FAKE_DEV, frame, sizeof(frame));
			imp.poll_event(3, (void *)0x1234);
			imp.signal_raised(kern, me, 13);
			say("wakeup from event=%d, wakeup of running self=%d\n",
			    last_wakeup, imp.task_wakeup(kern, me));
			imp.task_yield(kern);
			say("yielded at %llu ns\n",
			    (unsigned long long)imp.current_ns(kern));
		}
#endif
		imp.free(kern, p);
	}
}

#define FILL(f) (e->f = (__typeof__(e->f))stub)


#ifdef NO_SIM_INIT
void not_sim_init(struct SimExported *e, const struct SimImported *i,
		  struct SimKernel *k);
void not_sim_init(struct SimExported *e, const struct SimImported *i,
		  struct SimKernel *k)
#else
void sim_init(struct SimExported *e, const struct SimImported *i,
	      struct SimKernel *k)
#endif
{
	char buf[32];

	imp = *i;
	kern = k;
	init_count++;
	e->task_create = fk_task_create;
	e->task_get_private = fk_task_get_private;
	FILL(task_destroy);
	FILL(sock_socket); FILL(sock_close); FILL(sock_recvmsg);
	FILL(sock_sendmsg); FILL(sock_getsockname); FILL(sock_getpeername);
	FILL(sock_bind); FILL(sock_connect); FILL(sock_listen);
	FILL(sock_shutdown); FILL(sock_accept); FILL(sock_ioctl);
	FILL(sock_setsockopt); FILL(sock_getsockopt); FILL(sock_poll);
	FILL(sock_pollfreewait); FILL(dev_destroy);
	e->dev_create = fk_dev_create;
	e->dev_get_private = fk_dev_get_private;
	FILL(dev_set_address); FILL(dev_set_mtu);
	FILL(dev_create_packet); FILL(dev_rx); FILL(sys_iterate_files);
	FILL(sys_file_read); FILL(sys_file_write);
#ifdef LEAVE_NULL
	e->LEAVE_NULL = NULL;
#endif
	imp.memcpy(kern, buf, "memcpy ok", 10);
#ifdef CALL_GETENV
	imp.getenv(kern, "HOME");
#endif
	say("hello from fake kernel: init_count=%d now=%llu ns random=%lu %s\n",
	    init_count, (unsigned long long)imp.current_ns(kern),
	    imp.random(kern), buf);
	ticker = imp.task_start(kern, ticker_main, NULL);
}
