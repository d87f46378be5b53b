/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_THREAD_INFO_H
#define _ASM_LKL_THREAD_INFO_H

#include <asm/page.h>

/*
 * Kernel code runs on the stacks of host threads.  The "stack" the core
 * allocates for every task only holds the struct thread_info at its base.
 */
#define THREAD_SIZE_ORDER	0
#define THREAD_SIZE		(PAGE_SIZE << THREAD_SIZE_ORDER)

#ifndef __ASSEMBLY__
#include <linux/types.h>

struct task_struct;

struct thread_info {
	struct task_struct *task;
	unsigned long flags;
	int preempt_count;
};

#define INIT_THREAD_INFO(tsk)			\
{						\
	.task		= &tsk,			\
	.flags		= 0,			\
	.preempt_count	= INIT_PREEMPT_COUNT,	\
}

/* Only one thread runs kernel code at a time: current is a global. */
extern struct thread_info *lkl_current_ti;

static inline struct thread_info *current_thread_info(void)
{
	return lkl_current_ti;
}

#endif /* __ASSEMBLY__ */

#define TIF_SYSCALL_TRACE	0
#define TIF_NOTIFY_RESUME	1
#define TIF_SIGPENDING		2
#define TIF_NEED_RESCHED	3
#define TIF_RESTORE_SIGMASK	4
#define TIF_MEMDIE		5
#define TIF_NOHZ		6
#define TIF_SCHED_JB		7	/* leave schedule() by jumping back */
#define TIF_HOST_THREAD		8	/* task of a host thread (host task) */
#define TIF_NOTIFY_SIGNAL	9
#define TIF_NOUACCESS		10	/* user memory is out of reach */

#define _TIF_SYSCALL_TRACE	BIT(TIF_SYSCALL_TRACE)
#define _TIF_NOTIFY_RESUME	BIT(TIF_NOTIFY_RESUME)
#define _TIF_SIGPENDING		BIT(TIF_SIGPENDING)
#define _TIF_NEED_RESCHED	BIT(TIF_NEED_RESCHED)
#define _TIF_RESTORE_SIGMASK	BIT(TIF_RESTORE_SIGMASK)
#define _TIF_MEMDIE		BIT(TIF_MEMDIE)
#define _TIF_NOHZ		BIT(TIF_NOHZ)
#define _TIF_SCHED_JB		BIT(TIF_SCHED_JB)
#define _TIF_HOST_THREAD	BIT(TIF_HOST_THREAD)
#define _TIF_NOTIFY_SIGNAL	BIT(TIF_NOTIFY_SIGNAL)
#define _TIF_NOUACCESS		BIT(TIF_NOUACCESS)

#endif /* _ASM_LKL_THREAD_INFO_H */
