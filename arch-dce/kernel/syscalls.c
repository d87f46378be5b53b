// SPDX-License-Identifier: GPL-2.0
/*
 * System calls from host threads.
 *
 * A system call runs on the calling host thread, as that thread's host task
 * (a kernel task with no thread of its own, created on the thread's first
 * call and ended when the thread exits).  The thread that booted the kernel
 * uses the init task (pid 1), which becomes the host task "host0".
 */

#include <linux/syscalls.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/pid.h>
#include <linux/task_work.h>
#include <linux/kthread.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include <asm/sched.h>
#include <asm/syscalls.h>
#include <asm/unistd.h>

typedef long (*syscall_fn_t)(long, long, long, long, long, long);

/*
 * There is no user space to fork, exec or return to: these calls have no
 * meaning in a library and are not in the table.
 */
#define sys_clone		sys_ni_syscall
#define sys_clone3		sys_ni_syscall
#define sys_execve		sys_ni_syscall
#define sys_execveat		sys_ni_syscall
#define sys_exit		sys_ni_syscall
#define sys_exit_group		sys_ni_syscall
#define sys_rt_sigreturn	sys_ni_syscall
#define sys_mmap		sys_ni_syscall

#undef __SYSCALL
#define __SYSCALL(nr, call)	\
	[nr] = (void *)(call),

static void *syscall_table[__NR_syscalls] = {
	[0 ... __NR_syscalls - 1] = (void *)sys_ni_syscall,
#include <asm-generic/unistd.h>
#ifdef CONFIG_NET
	[__NR_lkl_netdev_create] = (void *)sys_lkl_netdev_create,
	[__NR_lkl_netdev_ctl] = (void *)sys_lkl_netdev_ctl,
#endif
	[__NR_lkl_poll_add] = (void *)sys_lkl_poll_add,
	[__NR_lkl_poll_del] = (void *)sys_lkl_poll_del,
};

static struct task_struct *host0;
static struct lkl_tls_key *task_key;

int lkl_host_task_stub(void *unused)
{
	/* copy_thread() never starts a thread for host tasks. */
	WARN_ON(1);
	return 0;
}

static struct task_struct *new_host_task(void)
{
	struct task_struct *task;
	pid_t pid;

	/* Host tasks are threads of host0: they share its files and cwd. */
	lkl_switch_to_host_task(host0);

	pid = user_mode_thread(lkl_host_task_stub, NULL,
			       CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			       CLONE_THREAD | CLONE_VM);
	if (pid < 0)
		return NULL;

	rcu_read_lock();
	task = find_task_by_pid_ns(pid, &init_pid_ns);
	rcu_read_unlock();
	if (!task)
		return NULL;

	snprintf(task->comm, sizeof(task->comm), "host%d", pid);
	return task;
}

/* The calling host thread exited: end its host task. */
static void del_host_task(void *arg)
{
	struct task_struct *task = arg;

	/* host0 is the init task: it lives as long as the kernel. */
	if (task == host0 || !lkl_is_running() || lkl_cpu_get() < 0)
		return;
	lkl_switch_to_host_task(task);
	lkl_exit_host_task();
	/* The CPU was handed over by __switch_to(). */
}

static long run_syscall(long no, long *params)
{
	syscall_fn_t fn;

	if (no < 0 || no >= __NR_syscalls)
		return -ENOSYS;
	fn = syscall_table[no];
	return fn(params[0], params[1], params[2], params[3], params[4],
		  params[5]);
}

long lkl_syscall(long no, long *params)
{
	struct task_struct *task = host0;
	long ret;

	if (!lkl_is_running())
		return -ENODEV;

	ret = lkl_cpu_get();
	if (ret < 0)
		return ret;

	if (task_key) {
		task = lkl_ops->tls_get(task_key);
		if (!task) {
			task = new_host_task();
			if (!task) {
				lkl_cpu_put();
				return -ENOMEM;
			}
			lkl_ops->tls_set(task_key, task);
		}
	}

	lkl_switch_to_host_task(task);

	ret = run_syscall(no, params);
	task_work_run();

	lkl_cpu_put();
	return ret;
}

/*
 * Called once, as the init task, when the kernel has booted: the init task
 * becomes host0, the host task of the thread that started the kernel.
 */
int lkl_syscalls_init(void)
{
	snprintf(current->comm, sizeof(current->comm), "host0");
	set_thread_flag(TIF_HOST_THREAD);
	host0 = current;

	if (lkl_ops->tls_alloc && lkl_ops->tls_get && lkl_ops->tls_set) {
		task_key = lkl_ops->tls_alloc(del_host_task);
		if (!task_key)
			return -ENOMEM;
	}
	return 0;
}

/* Called by the thread that started the kernel, once it has booted. */
void lkl_syscalls_adopt_host0(void)
{
	if (task_key)
		lkl_ops->tls_set(task_key, host0);
}

void lkl_syscalls_cleanup(void)
{
	if (task_key) {
		lkl_ops->tls_set(task_key, NULL);
		lkl_ops->tls_free(task_key);
		task_key = NULL;
	}
}
