// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks on host threads.
 *
 * A kernel thread owns a host thread and a host semaphore.  Exactly one host
 * thread runs kernel code at a time: the one that owns the CPU (cpu.c).
 * __switch_to() hands the CPU to the next task's host thread by raising that
 * task's semaphore, then waits on its own.
 *
 * A host task (TIF_HOST_THREAD) has no host thread of its own: it runs on
 * whichever host thread makes a system call for it (syscalls.c).  A host
 * thread that enters the kernel finds the CPU's current task in a state its
 * own thread has left, and borrows that task to call schedule().  When the
 * scheduler switches the borrowed task out, __switch_to() jumps back to
 * where the borrowing started (TIF_SCHED_JB) instead of waiting.
 */

#include <linux/init_task.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/signal.h>
#include <linux/sched/debug.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include <asm/sched.h>
#include <asm/switch_to.h>

struct thread_info *lkl_current_ti = &init_thread_info;

/* The task that ran before the one switched in, as schedule() expects. */
static struct task_struct *abs_prev = &init_task;

/* Where a borrowed context that jumped out of __switch_to() hands over to. */
static struct task_struct *jb_next;

/*
 * Passed to a new kernel thread's host thread.  Host memory, not kernel
 * memory: the thread may have to free it without owning the CPU.
 */
struct thread_bootstrap {
	struct task_struct *task;
	int (*fn)(void *arg);
	void *arg;
	bool abort;
};

static void __noreturn host_thread_exit(bool detach)
{
	if (detach)
		lkl_ops->thread_detach();
	lkl_ops->thread_exit();
	/* thread_exit() does not return; the host is broken if it does. */
	for (;;)
		lkl_ops->panic();
}

static void thread_bootstrap(void *data)
{
	struct thread_bootstrap *tb = data;
	struct task_struct *task = tb->task;
	int (*fn)(void *arg) = tb->fn;
	void *arg = tb->arg;

	lkl_ops->sem_down(task->thread.sched_sem);
	if (tb->abort) {
		/* copy_process() failed after copy_thread(): never ran. */
		lkl_ops->mem_free(tb);
		host_thread_exit(true);
	}
	lkl_ops->mem_free(tb);
	if (task->thread.dead)
		host_thread_exit(false);

	schedule_tail(task->thread.prev_sched);
	fn(arg);
	do_exit(0);
}

int copy_thread(struct task_struct *p, const struct kernel_clone_args *args)
{
	struct thread_struct *t = &p->thread;
	struct thread_bootstrap *tb;

	/* The thread_info was copied from the parent. */
	clear_ti_thread_flag(task_thread_info(p), TIF_SCHED_JB);
	clear_ti_thread_flag(task_thread_info(p), TIF_HOST_THREAD);
	clear_ti_thread_flag(task_thread_info(p), TIF_NOUACCESS);

	memset(t, 0, sizeof(*t));
	t->sched_sem = lkl_ops->sem_alloc(0);
	if (!t->sched_sem)
		return -ENOMEM;

	if (args->fn == lkl_host_task_stub) {
		set_ti_thread_flag(task_thread_info(p), TIF_HOST_THREAD);
		return 0;
	}

	/* There is no user space to fork. */
	if (!args->fn)
		goto err_sem;

	tb = lkl_ops->mem_alloc(sizeof(*tb));
	if (!tb)
		goto err_sem;
	tb->task = p;
	tb->fn = args->fn;
	tb->arg = args->fn_arg;
	tb->abort = false;

	t->bootstrap = tb;
	t->tid = lkl_ops->thread_create(thread_bootstrap, tb);
	if (!t->tid) {
		lkl_ops->mem_free(tb);
		goto err_sem;
	}
	t->has_thread = true;
	return 0;

err_sem:
	lkl_ops->sem_free(t->sched_sem);
	t->sched_sem = NULL;
	return -ENOMEM;
}

/* Called from free_task() when the task_struct is about to be freed. */
void arch_release_task_struct(struct task_struct *tsk)
{
	struct thread_struct *t = &tsk->thread;

	if (t->has_thread && t->bootstrap && !t->started) {
		/*
		 * The task never ran.  Its thread waits in thread_bootstrap()
		 * and may still be inside sem_down() after we return, so the
		 * semaphore is left to it (a small leak on a rare error path).
		 */
		t->bootstrap->abort = true;
		lkl_ops->sem_up(t->sched_sem);
		return;
	}
	if (t->sched_sem)
		lkl_ops->sem_free(t->sched_sem);
	t->sched_sem = NULL;
}

struct task_struct *__switch_to(struct task_struct *prev,
				struct task_struct *next)
{
	struct thread_struct *pt = &prev->thread;
	struct thread_struct *nt = &next->thread;
	bool dead = READ_ONCE(prev->__state) == TASK_DEAD;

	lkl_current_ti = task_thread_info(next);
	nt->prev_sched = prev;
	nt->started = true;
	abs_prev = prev;

	lkl_cpu_change_owner(nt->tid);

	if (test_and_clear_ti_thread_flag(task_thread_info(prev),
					  TIF_SCHED_JB)) {
		/* A borrowed context: lkl_sched_jb() raises next's semaphore. */
		jb_next = next;
		lkl_ops->jmp_buf_longjmp(&pt->sched_jb, 1);
	}

	if (dead) {
		/* prev may be freed as soon as next runs: touch it before. */
		pt->has_thread = false;
		lkl_ops->sem_up(nt->sched_sem);
		host_thread_exit(true);
	}

	lkl_ops->sem_up(nt->sched_sem);
	lkl_ops->sem_down(pt->sched_sem);

	if (pt->dead)
		host_thread_exit(false);

	return abs_prev;
}

static void sched_jb_return(void)
{
	struct task_struct *next = jb_next;

	if (!next) {
		/* schedule() returned without switching: still current. */
		clear_thread_flag(TIF_SCHED_JB);
		return;
	}
	jb_next = NULL;
	lkl_ops->sem_up(next->thread.sched_sem);
}

void lkl_sched_jb(void)
{
	set_thread_flag(TIF_SCHED_JB);
	set_current_state(TASK_UNINTERRUPTIBLE);
	lkl_ops->jmp_buf_set(&current->thread.sched_jb, schedule);
	sched_jb_return();
}

/* Ends the borrowed current task: do_exit() switches away and jumps back. */
static void exit_current(void)
{
	do_exit(0);
}

void lkl_exit_host_task(void)
{
	set_thread_flag(TIF_SCHED_JB);
	lkl_ops->jmp_buf_set(&current->thread.sched_jb, exit_current);
	sched_jb_return();
}

void lkl_switch_to_host_task(struct task_struct *task)
{
	if (WARN_ON(!test_tsk_thread_flag(task, TIF_HOST_THREAD)))
		return;

	task->thread.tid = lkl_ops->thread_self();
	if (current == task)
		return;

	wake_up_process(task);
	if (is_idle_task(current))
		/* The CPU was idle: its thread schedules the task in. */
		lkl_cpu_kick_idle();
	else
		/* Borrow the current host task to switch it out. */
		lkl_sched_jb();
	lkl_ops->sem_down(task->thread.sched_sem);
	schedule_tail(task->thread.prev_sched);
}

int lkl_threads_init(void)
{
	struct thread_struct *t = &init_task.thread;

	t->sched_sem = lkl_ops->sem_alloc(0);
	if (!t->sched_sem)
		return -ENOMEM;
	t->tid = lkl_ops->thread_self();
	t->has_thread = true;
	t->started = true;
	return 0;
}

static void kill_host_thread(struct task_struct *p)
{
	struct thread_struct *t = &p->thread;

	if (!t->has_thread || !t->tid)
		return;
	t->dead = true;
	lkl_ops->sem_up(t->sched_sem);
	lkl_ops->thread_join(t->tid);
	t->has_thread = false;
}

/*
 * After the halt: every kernel thread waits on its semaphore.  Wake each one
 * up with the dead flag set so its host thread exits, and wait for it.
 */
void lkl_threads_cleanup(void)
{
	struct task_struct *p, *t;

	for_each_process_thread(p, t) {
		if (t != current)
			kill_host_thread(t);
	}
	if (current == &init_task)
		return;
	if (lkl_cpu_unpark_dead_idle()) {
		/* The idle thread was parked in arch_cpu_idle(). */
		lkl_ops->thread_join(init_task.thread.tid);
		init_task.thread.has_thread = false;
	} else {
		kill_host_thread(&init_task);
	}
}

unsigned long __get_wchan(struct task_struct *p)
{
	return 0;
}

void show_stack(struct task_struct *task, unsigned long *esp,
		const char *loglvl)
{
	printk("%sCall Trace: (not available)\n", loglvl);
}

void flush_thread(void)
{
}
