// SPDX-License-Identifier: GPL-2.0
/*
 * A few counters of the kernel as read-only sysctls, for hosts that reach
 * the kernel only through sysctl (ns-3-dce: no file system calls, so no
 * /proc/meminfo):
 *
 *   lkl.nr_threads	tasks alive (the "nr_threads" of fork.c)
 *   lkl.mem_free_kb	MemFree of /proc/meminfo
 *   lkl.slab_kb	Slab of /proc/meminfo (reclaimable + unreclaimable)
 *   lkl.cpu_stalls	ticks the CPU stalled for, spinning at one instant
 *			of a host clock that stood still (kernel/cpu.c)
 *   lkl.netdev_events	network device events so far (registrations,
 *			renames, MTU and state changes: every notifier
 *			call of every namespace)
 *
 * A host that starts and ends many of its own threads or tasks checks with
 * them that the kernel's tasks and memory stay flat.  The sysctl tree only
 * changes after boot when devices come, go or change (their conf and neigh
 * directories), so a host that keeps a listing of /proc/sys lists it again
 * only when lkl.netdev_events has moved.
 */

#include <linux/init.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/sched/stat.h>
#include <linux/sysctl.h>
#include <linux/vmstat.h>
#include <asm/cpu.h>

static unsigned long stat_nr_threads(void)
{
	return nr_threads;
}

static unsigned long stat_mem_free_kb(void)
{
	return global_zone_page_state(NR_FREE_PAGES) << (PAGE_SHIFT - 10);
}

static unsigned long stat_slab_kb(void)
{
	return (global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B))
		<< (PAGE_SHIFT - 10);
}

static unsigned long netdev_events;
static bool netdev_counting;

static int netdev_event(struct notifier_block *nb, unsigned long event,
			void *ptr)
{
	WRITE_ONCE(netdev_events, netdev_events + 1);
	return NOTIFY_DONE;
}

static struct notifier_block netdev_nb = {
	.notifier_call = netdev_event,
};

/* Uncounted, it moves at every read: no listing is ever taken as current. */
static unsigned long stat_netdev_events(void)
{
	if (!netdev_counting)
		WRITE_ONCE(netdev_events, netdev_events + 1);
	return READ_ONCE(netdev_events);
}

/* @table->extra1 is the counter's function: its value, read now. */
static int stat_handler(const struct ctl_table *table, int write,
			void *buffer, size_t *lenp, loff_t *ppos)
{
	unsigned long (*read)(void) = table->extra1;
	unsigned long val = read();
	struct ctl_table t = *table;

	if (write)
		return -EPERM;
	t.data = &val;
	t.maxlen = sizeof(val);
	t.extra1 = NULL;
	return proc_doulongvec_minmax(&t, write, buffer, lenp, ppos);
}

#define STAT(name, fn)					\
	{						\
		.procname	= name,			\
		.mode		= 0444,			\
		.proc_handler	= stat_handler,		\
		.extra1		= fn,			\
	}

static struct ctl_table stat_table[] = {
	STAT("nr_threads", stat_nr_threads),
	STAT("mem_free_kb", stat_mem_free_kb),
	STAT("slab_kb", stat_slab_kb),
	STAT("cpu_stalls", lkl_cpu_stalls),
	STAT("netdev_events", stat_netdev_events),
};

static int __init stat_init(void)
{
	int ret = register_netdevice_notifier(&netdev_nb);

	netdev_counting = !ret;
	if (ret)
		pr_warn("lkl: lkl.netdev_events will not count: %d\n", ret);
	register_sysctl_init("lkl", stat_table);
	return 0;
}
late_initcall(stat_init);
