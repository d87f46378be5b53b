/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_SCHED_H
#define _ASM_LKL_SCHED_H

struct task_struct;

/*
 * Switch the current (host) task out from a host thread that does not own
 * it: run schedule() and jump back here once the scheduler switches away.
 */
void lkl_sched_jb(void);

/* End the current host task on the calling host thread. */
void lkl_exit_host_task(void);

/* The function "run" by host tasks; they never run it. */
int lkl_host_task_stub(void *unused);

/* Make @task, a host task, current on the calling host thread. */
void lkl_switch_to_host_task(struct task_struct *task);

int lkl_threads_init(void);
void lkl_threads_cleanup(void);

#endif /* _ASM_LKL_SCHED_H */
