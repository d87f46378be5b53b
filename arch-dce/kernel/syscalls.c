// SPDX-License-Identifier: GPL-2.0
/*
 * System calls from host threads.
 *
 * A system call runs on the calling host thread, as that thread's host task
 * (a kernel task with no thread of its own, created on the thread's first
 * call and ended when the thread exits).  Host tasks are threads of the init
 * task (pid 1), "host0", which exists only to fork them: no host thread ever
 * runs its calls as host0, and one thread at a time enters host0 to fork, so
 * no host thread can be blocked in a task another thread switches into.
 */

#include <linux/syscalls.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
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

/*
 * scripts/syscall_defs.py reads this table, by its name, from lkl.o: the
 * installed headers number only the calls whose slot is not sys_ni_syscall.
 * The name must stay unique among the kernel's local objects.
 */
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
/* Held (without the CPU) by the one thread forking a host task in host0. */
static struct lkl_mutex *host0_lock;

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

/* Marks the host task(s) of @thread; the CPU is held. */
static int abandon_thread(lkl_thread_t thread)
{
	struct task_struct *p, *t;
	int ret = -ESRCH;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		/*
		 * host0 carries the id of the thread that booted the kernel,
		 * but runs no calls of it (that thread has a host task too).
		 */
		if (t != host0 && test_tsk_thread_flag(t, TIF_HOST_THREAD) &&
		    lkl_ops->thread_equal(t->thread.tid, thread)) {
			set_tsk_thread_flag(t, TIF_NOUACCESS);
			ret = 0;
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Abandons asked for while another thread held the CPU (one that stalls
 * in kernel/cpu.c holds it across host events): pushed without the CPU,
 * applied by whoever holds it next, before any task runs on.  Those whose
 * thread has no host task yet (its first call waits for the CPU) wait on
 * a list of the CPU holder's for that call.
 */
struct deferred_abandon {
	struct deferred_abandon *next;
	lkl_thread_t thread;
};

static struct deferred_abandon *deferred;
static struct deferred_abandon *taskless;

/*
 * With the CPU held, at every enabling of interrupts (so before a task
 * switched in goes on) and before every call: applies the deferred
 * abandons.
 */
void lkl_syscall_apply_abandons(void)
{
	struct deferred_abandon *d, *next;

	if (!READ_ONCE(deferred))
		return;
	d = __atomic_exchange_n(&deferred, NULL, __ATOMIC_ACQUIRE);
	for (; d; d = next) {
		next = d->next;
		if (abandon_thread(d->thread) == 0) {
			lkl_ops->mem_free(d);
		} else {
			d->next = taskless;
			taskless = d;
		}
	}
}

/* The calling thread's new host task takes the abandons that waited. */
static void claim_taskless(void)
{
	struct deferred_abandon **link = &taskless, *d;
	lkl_thread_t self = lkl_ops->thread_self();

	while ((d = *link)) {
		if (lkl_ops->thread_equal(d->thread, self)) {
			set_thread_flag(TIF_NOUACCESS);
			*link = d->next;
			lkl_ops->mem_free(d);
		} else {
			link = &d->next;
		}
	}
}

long lkl_syscall(long no, long *params)
{
	struct task_struct *task = host0;
	bool fork;
	long ret;

	if (!lkl_is_running())
		return -ENODEV;

	/* The thread's first call: wait for host0 before taking the CPU. */
	if (task_key)
		task = lkl_ops->tls_get(task_key);
	fork = !task;
	if (fork)
		lkl_ops->mutex_lock(host0_lock);

	ret = lkl_cpu_get();
	if (ret < 0) {
		if (fork)
			lkl_ops->mutex_unlock(host0_lock);
		return ret;
	}

	if (fork) {
		task = new_host_task();
		lkl_ops->mutex_unlock(host0_lock);
		if (!task) {
			lkl_cpu_put();
			return -ENOMEM;
		}
		lkl_ops->tls_set(task_key, task);
	}

	lkl_switch_to_host_task(task);
	lkl_syscall_apply_abandons();
	if (fork)
		claim_taskless();

	ret = run_syscall(no, params);
	task_work_run();
	/* An abandoned call does not taint the thread's next one. */
	clear_thread_flag(TIF_NOUACCESS);

	/*
	 * Back to the host program: a quiescent state, as a return to user
	 * mode is.  A host task may stay current across many calls, and in a
	 * host whose time does not pass while it runs (virtual time) no tick
	 * comes either: without this, grace periods would never end and
	 * memory freed with RCU (every closed socket's inode) would pile up.
	 */
	local_irq_disable();
	rcu_note_context_switch(false);
	local_irq_enable();

	lkl_cpu_put();
	return ret;
}

/*
 * The host stops waiting for the system call @thread is running (a host
 * whose threads can be told to do something else while a call of theirs is
 * blocked, such as the DCE host's green threads).  The call goes on in the
 * kernel, but from now on every access it makes to user memory fails with
 * -EFAULT: the host may free that memory.  Never waits: while another
 * thread holds the CPU, the abandon is queued for the next holder.
 */
int lkl_syscall_abandon(lkl_thread_t thread)
{
	struct deferred_abandon *d;
	int ret;

	if (!lkl_is_running())
		return -ENODEV;
	ret = lkl_cpu_try_get();
	if (ret == -EBUSY) {
		d = lkl_ops->mem_alloc(sizeof(*d));
		if (!d)
			return -ENOMEM;
		d->thread = thread;
		d->next = __atomic_load_n(&deferred, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&deferred, &d->next, d,
						    true, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
		return 0;
	}
	if (ret < 0)
		return ret;

	lkl_syscall_apply_abandons();
	ret = abandon_thread(thread);
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
		host0_lock = lkl_ops->mutex_alloc(0);
		if (!host0_lock)
			return -ENOMEM;
		task_key = lkl_ops->tls_alloc(del_host_task);
		if (!task_key) {
			lkl_ops->mutex_free(host0_lock);
			host0_lock = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void lkl_syscalls_cleanup(void)
{
	if (task_key) {
		lkl_ops->tls_set(task_key, NULL);
		lkl_ops->tls_free(task_key);
		task_key = NULL;
	}
	if (host0_lock) {
		lkl_ops->mutex_free(host0_lock);
		host0_lock = NULL;
	}
}
