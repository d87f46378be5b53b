// SPDX-License-Identifier: GPL-2.0
/*
 * What the core expects of every architecture and means nothing here.
 */

#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/sched/debug.h>
#include <linux/cpu.h>

static void *cpuinfo_start(struct seq_file *m, loff_t *pos)
{
	return NULL;
}

static void *cpuinfo_next(struct seq_file *m, void *v, loff_t *pos)
{
	return NULL;
}

static void cpuinfo_stop(struct seq_file *m, void *v)
{
}

static int cpuinfo_show(struct seq_file *m, void *v)
{
	return 0;
}

const struct seq_operations cpuinfo_op = {
	.start	= cpuinfo_start,
	.next	= cpuinfo_next,
	.stop	= cpuinfo_stop,
	.show	= cpuinfo_show,
};

void show_regs(struct pt_regs *regs)
{
}

void arch_cpu_finalize_init(void)
{
}
