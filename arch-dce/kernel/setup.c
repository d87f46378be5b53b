// SPDX-License-Identifier: GPL-2.0
/*
 * Boot and halt of the kernel library.
 *
 * lkl_start_kernel() runs start_kernel() on a new host thread, which becomes
 * the idle task.  When the kernel has booted, init "executes" /init: a binary
 * format that accepts only that file turns the init task into host0, the
 * parent of every host task (syscalls.c), and wakes up the thread that
 * called lkl_start_kernel(), which leaves it through lkl_cpu_put().
 */

#include <linux/binfmts.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/reboot.h>
#include <linux/panic_notifier.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/start_kernel.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <asm/setup.h>
#include <asm/host_ops.h>
#include <asm/cpu.h>
#include <asm/sched.h>
#include <asm/syscalls.h>
#include <asm/unistd.h>
#include <asm/time.h>

struct lkl_host_operations *lkl_ops;

static char cmd_line[COMMAND_LINE_SIZE];
static struct lkl_sem *init_sem;
static bool is_running;
static unsigned long mem_size = CONFIG_LKL_DEFAULT_MEM * 1024UL * 1024UL;

static int __init early_mem(char *p)
{
	mem_size = memparse(p, &p);
	return 0;
}
early_param("mem", early_mem);

void __init setup_arch(char **cl)
{
	*cl = cmd_line;
	parse_early_param();
	bootmem_init(mem_size);
}

static void print_missing(const char *name)
{
	static const char prefix[] = "lkl: missing host operation: ";

	if (!lkl_ops->print)
		return;
	lkl_ops->print(prefix, sizeof(prefix) - 1);
	lkl_ops->print(name, strlen(name));
	lkl_ops->print("\n", 1);
}

#define CHECK_OP(op)					\
	do {						\
		if (!ops->op) {				\
			print_missing(#op);		\
			ret = -EINVAL;			\
		}					\
	} while (0)

int lkl_init(struct lkl_host_operations *ops)
{
	int ret = 0;

	if (!ops)
		return -EINVAL;
	if (is_running)
		return -EBUSY;
	lkl_ops = ops;

	CHECK_OP(panic);
	CHECK_OP(sem_alloc);
	CHECK_OP(sem_free);
	CHECK_OP(sem_up);
	CHECK_OP(sem_down);
	CHECK_OP(mutex_alloc);
	CHECK_OP(mutex_free);
	CHECK_OP(mutex_lock);
	CHECK_OP(mutex_unlock);
	CHECK_OP(thread_create);
	CHECK_OP(thread_detach);
	CHECK_OP(thread_exit);
	CHECK_OP(thread_join);
	CHECK_OP(thread_self);
	CHECK_OP(thread_equal);
	CHECK_OP(mem_alloc);
	CHECK_OP(mem_free);
	CHECK_OP(time);
	CHECK_OP(timer_alloc);
	CHECK_OP(timer_set_oneshot);
	CHECK_OP(timer_free);
	CHECK_OP(jmp_buf_set);
	CHECK_OP(jmp_buf_longjmp);
#ifdef CONFIG_LKL_HOST_MEMCPY
	CHECK_OP(memcpy);
#endif
#ifdef CONFIG_LKL_HOST_MEMSET
	CHECK_OP(memset);
#endif
#ifdef CONFIG_LKL_HOST_MEMMOVE
	CHECK_OP(memmove);
#endif

	if (ret)
		lkl_ops = NULL;
	return ret;
}

void lkl_cleanup(void)
{
	if (!is_running)
		lkl_ops = NULL;
}

int lkl_is_running(void)
{
	return is_running;
}

static void __ref lkl_run_kernel(void *arg)
{
	if (lkl_threads_init() || lkl_cpu_get() < 0) {
		lkl_ops->panic();
		return;
	}
	start_kernel();
}

int __ref lkl_start_kernel(const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (!lkl_ops)
		return -EINVAL;
	if (is_running || init_sem)
		return -EBUSY;

	va_start(ap, fmt);
	ret = vscnprintf(boot_command_line, COMMAND_LINE_SIZE, fmt, ap);
	va_end(ap);
	if (lkl_ops->virtio_devices)
		strlcat(boot_command_line, lkl_ops->virtio_devices,
			COMMAND_LINE_SIZE);
	memcpy(cmd_line, boot_command_line, COMMAND_LINE_SIZE);

	init_sem = lkl_ops->sem_alloc(0);
	if (!init_sem)
		return -ENOMEM;

	ret = lkl_cpu_init();
	if (ret)
		goto out_sem;

	if (!lkl_ops->thread_create(lkl_run_kernel, NULL)) {
		ret = -ENOMEM;
		goto out_cpu;
	}

	/* Wait for /init: then host0 is current and we own the CPU. */
	lkl_ops->sem_down(init_sem);
	lkl_ops->sem_free(init_sem);

	current->thread.tid = lkl_ops->thread_self();
	lkl_cpu_change_owner(current->thread.tid);
	is_running = true;
	lkl_cpu_put();
	return 0;

out_cpu:
	lkl_cpu_cleanup();
out_sem:
	lkl_ops->sem_free(init_sem);
	init_sem = NULL;
	return ret;
}

long lkl_sys_halt(void)
{
	long params[6] = {
		LINUX_REBOOT_MAGIC1,
		LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_RESTART,
	};
	long err;

	if (!is_running)
		return -ENODEV;

	err = lkl_syscall(__NR_reboot, params);
	if (err < 0)
		return err;

	/* The CPU is shut down: no task, timer or interrupt runs any more. */
	is_running = false;
	lkl_time_cleanup();
	lkl_syscalls_cleanup();
	lkl_threads_cleanup();
	lkl_cpu_cleanup();
	free_mem();
	return 0;
}

static int lkl_panic_notify(struct notifier_block *nb, unsigned long event,
			    void *msg)
{
	lkl_ops->panic();
	return NOTIFY_DONE;
}

static struct notifier_block lkl_panic_nb = {
	.notifier_call = lkl_panic_notify,
};

static int __init lkl_panic_setup(void)
{
	atomic_notifier_chain_register(&panic_notifier_list, &lkl_panic_nb);
	return 0;
}
early_initcall(lkl_panic_setup);

void machine_halt(void)
{
	lkl_cpu_shutdown();
}

void machine_power_off(void)
{
	lkl_cpu_shutdown();
}

void machine_restart(char *unused)
{
	lkl_cpu_shutdown();
}

/*
 * The /init "binary": the init task's host thread hands the task over to
 * the thread waiting in lkl_start_kernel() and exits.
 */
static int lkl_run_init(struct linux_binprm *bprm)
{
	int ret;

	if (strcmp("/init", bprm->filename) != 0)
		return -ENOEXEC;

	ret = begin_new_exec(bprm);
	if (ret)
		return ret;
	setup_new_exec(bprm);
	current->in_execve = 0;

	ret = lkl_syscalls_init();
	if (ret)
		return ret;

	current->thread.has_thread = false;
	lkl_ops->sem_up(init_sem);
	lkl_ops->thread_detach();
	lkl_ops->thread_exit();
	return 0;
}

static struct linux_binfmt lkl_run_init_binfmt = {
	.module		= THIS_MODULE,
	.load_binary	= lkl_run_init,
};

static int __init lkl_fs_setup(void)
{
	struct file *file;

	file = filp_open("/init", O_CREAT | O_RDONLY, 0700);
	if (IS_ERR(file)) {
		pr_err("lkl: cannot create /init: %ld\n", PTR_ERR(file));
		return PTR_ERR(file);
	}
	filp_close(file, NULL);
	register_binfmt(&lkl_run_init_binfmt);
	return 0;
}
late_initcall(lkl_fs_setup);
