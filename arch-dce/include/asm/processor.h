/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PROCESSOR_H
#define _ASM_LKL_PROCESSOR_H

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <asm/host_ops.h>

struct task_struct;
struct thread_bootstrap;

/**
 * struct thread_struct - the host side of a task
 * @sched_sem: the task's host thread waits here while the task is switched out
 * @sched_jb: where a borrowed context jumps back to when it is switched out
 * @prev_sched: the task that ran before this one was switched in
 * @tid: the host thread running the task
 * @bootstrap: start-up record of a kernel thread's host thread
 * @has_thread: the task owns its host thread (a kernel thread)
 * @started: the task has been switched in at least once
 * @dead: the host thread must exit when it wakes up
 */
struct thread_struct {
	struct lkl_sem *sched_sem;
	struct lkl_jmp_buf sched_jb;
	struct task_struct *prev_sched;
	struct thread_bootstrap *bootstrap;
	lkl_thread_t tid;
	bool has_thread;
	bool started;
	bool dead;
};

#define INIT_THREAD { }

/*
 * As on x86, the hosts the library runs on: unaligned loads are cheap, so
 * received frames are not offset to align their IP header.
 */
#define NET_IP_ALIGN	0

/* Lets pending interrupts (e.g. the timer) in during busy waits. */
void cpu_relax(void);

#define task_pt_regs(tsk)	((struct pt_regs *)0)
#define KSTK_EIP(tsk)		(0)
#define KSTK_ESP(tsk)		(0)

unsigned long __get_wchan(struct task_struct *p);

#define TASK_SIZE		((unsigned long)-1)
#define TASK_UNMAPPED_BASE	0

#define ARCH_MIN_TASKALIGN	32

#endif /* __ASSEMBLY__ */
#endif /* _ASM_LKL_PROCESSOR_H */
