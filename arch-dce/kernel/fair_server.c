// SPDX-License-Identifier: GPL-2.0
/*
 * The fair server, switched off.
 *
 * Since 6.12 each CPU has a deadline server that reserves fair tasks
 * 50 ms of every second while real-time tasks would starve them.  It is
 * deferred: when a fair task wakes an idle CPU the server arms a timer at
 * its zero-laxity point, 950 ms on, and when that timer finds nothing to
 * run the server stops and arms another one.  A kernel that is otherwise
 * idle until its next work item (a crng reseed or an address lifetime
 * check, a minute apart) thus takes three host timer events per wakeup
 * instead of one.  Under ns-3-dce every one of them is a simulation event
 * and a switch of the node's globals, for a node with no real-time task
 * to be protected from.
 *
 * So the server is switched off at boot, as the scheduler's own
 * fair_server/cpu<N>/runtime debugfs knob does when written 0.  The
 * real-time tasks a host could run are its own threads' system calls
 * made real-time with sched_setscheduler(), which then keep the CPU as
 * they would on any kernel without the server.
 *
 * The server's state is the scheduler's own, so this file reads the
 * scheduler's internal header (the Makefile adds kernel/sched to its
 * include path).
 */

#include <linux/init.h>
#include <linux/printk.h>
#include "sched.h"

static int __init fair_server_off(void)
{
	int cpu, ret = 0;

	for_each_online_cpu(cpu) {
		struct rq *rq = cpu_rq(cpu);
		struct sched_dl_entity *dl_se = &rq->fair_server;

		scoped_guard(rq_lock_irqsave, rq) {
			/* Not started yet: its first start would set it up. */
			if (!dl_se->dl_server)
				continue;
			update_rq_clock(rq);
			dl_server_stop(dl_se);
			ret = dl_server_apply_params(dl_se, 0, dl_se->dl_period,
						     0);
		}
		if (ret)
			pr_warn("lkl: fair server of CPU %d kept: %d\n", cpu,
				ret);
	}
	return 0;
}
early_initcall(fair_server_off);
