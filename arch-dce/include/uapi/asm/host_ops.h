/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _ASM_UAPI_LKL_HOST_OPS_H
#define _ASM_UAPI_LKL_HOST_OPS_H

/*
 * The contract between the kernel library and the program that hosts it.
 *
 * The host fills a struct lkl_host_operations and passes it to lkl_init()
 * before lkl_start_kernel().  The member order is part of the ABI: do not
 * reorder, only append.
 */

struct lkl_mutex;
struct lkl_sem;
struct lkl_tls_key;
struct lkl_dev_pci_ops;

typedef unsigned long lkl_thread_t;

/* Opaque storage for the host's setjmp-like context. */
struct lkl_jmp_buf {
	unsigned long buf[128];
};

enum lkl_prot {
	LKL_HOST_PROT_NONE = 0,
	LKL_HOST_PROT_READ = 1,
	LKL_HOST_PROT_WRITE = 2,
	LKL_HOST_PROT_EXEC = 4,
};

/**
 * struct lkl_host_operations - services the host provides to the kernel
 *
 * @virtio_devices: string appended to the kernel command line (may be NULL)
 * @print: console output sink (optional)
 * @panic: called when the kernel panics
 *
 * @sem_alloc: allocate a counting semaphore with the given initial count
 * @sem_free: free a semaphore
 * @sem_up: increment; wakes one waiter
 * @sem_down: wait until the count is positive, then decrement
 *
 * @mutex_alloc: allocate a mutex, recursive if @recursive is non-zero
 * @mutex_free: free a mutex
 * @mutex_lock: lock a mutex
 * @mutex_unlock: unlock a mutex
 *
 * @thread_create: run @f(@arg) on a new host thread; returns 0 on failure
 * @thread_detach: detach the calling host thread
 * @thread_exit: terminate the calling host thread; never returns
 * @thread_join: wait for a (not detached) host thread to terminate
 * @thread_self: identity of the calling host thread
 * @thread_equal: non-zero if two identities are the same thread
 * @thread_stack: base and size of the calling thread's stack (optional)
 *
 * @tls_alloc: allocate a per-thread slot; @destructor runs when a thread
 *	with a non-NULL value exits
 * @tls_free: free a per-thread slot
 * @tls_set: set the calling thread's value
 * @tls_get: get the calling thread's value
 *
 * @mem_alloc: allocate host memory
 * @mem_free: free host memory
 * @page_alloc: allocate page-aligned memory for the kernel's RAM (optional)
 * @page_free: free memory from @page_alloc
 *
 * @time: monotonic time in nanoseconds
 *
 * @timer_alloc: create a one-shot timer that calls @fn when it expires
 * @timer_set_oneshot: arm a timer to expire @delta nanoseconds from now
 * @timer_free: disarm and free a timer
 *
 * @ioremap: map an I/O region for @iomem_access (optional)
 * @iomem_access: read or write an I/O region (optional)
 *
 * @jmp_buf_set: save the calling context in @jmpb, then call @f; returns
 *	when @jmp_buf_longjmp is called on @jmpb
 * @jmp_buf_longjmp: resume the context saved in @jmpb
 *
 * @memcpy: host memcpy (required with CONFIG_LKL_HOST_MEMCPY)
 * @memset: host memset (required with CONFIG_LKL_HOST_MEMSET)
 * @memmove: host memmove (required with CONFIG_LKL_HOST_MEMMOVE)
 *
 * @mmap: map anonymous memory at @addr (optional, unused without MMU)
 * @munmap: unmap memory (optional, unused without MMU)
 * @shmem_init: create the physical memory object (unused without MMU)
 * @shmem_mmap: map physical memory (unused without MMU)
 *
 * @pci_ops: user space PCI backend (optional, unused)
 */
struct lkl_host_operations {
	const char *virtio_devices;

	void (*print)(const char *str, int len);
	void (*panic)(void);

	struct lkl_sem *(*sem_alloc)(int count);
	void (*sem_free)(struct lkl_sem *sem);
	void (*sem_up)(struct lkl_sem *sem);
	void (*sem_down)(struct lkl_sem *sem);

	struct lkl_mutex *(*mutex_alloc)(int recursive);
	void (*mutex_free)(struct lkl_mutex *mutex);
	void (*mutex_lock)(struct lkl_mutex *mutex);
	void (*mutex_unlock)(struct lkl_mutex *mutex);

	lkl_thread_t (*thread_create)(void (*f)(void *), void *arg);
	void (*thread_detach)(void);
	void (*thread_exit)(void);
	int (*thread_join)(lkl_thread_t tid);
	lkl_thread_t (*thread_self)(void);
	int (*thread_equal)(lkl_thread_t a, lkl_thread_t b);
	void *(*thread_stack)(unsigned long *size);

	struct lkl_tls_key *(*tls_alloc)(void (*destructor)(void *));
	void (*tls_free)(struct lkl_tls_key *key);
	int (*tls_set)(struct lkl_tls_key *key, void *data);
	void *(*tls_get)(struct lkl_tls_key *key);

	void *(*mem_alloc)(unsigned long size);
	void (*mem_free)(void *addr);
	void *(*page_alloc)(unsigned long size);
	void (*page_free)(void *addr, unsigned long size);

	unsigned long long (*time)(void);

	void *(*timer_alloc)(void (*fn)(void));
	int (*timer_set_oneshot)(void *timer, unsigned long delta);
	void (*timer_free)(void *timer);

	void *(*ioremap)(long addr, int size);
	int (*iomem_access)(const volatile void *addr, void *val, int size,
			    int write);

	void (*jmp_buf_set)(struct lkl_jmp_buf *jmpb, void (*f)(void));
	void (*jmp_buf_longjmp)(struct lkl_jmp_buf *jmpb, int val);

	void *(*memcpy)(void *dest, const void *src, unsigned long count);
	void *(*memset)(void *s, int c, unsigned long count);
	void *(*memmove)(void *dest, const void *src, unsigned long count);

	void *(*mmap)(void *addr, unsigned long size, enum lkl_prot prot);
	int (*munmap)(void *addr, unsigned long size);
	int (*shmem_init)(unsigned long size);
	void *(*shmem_mmap)(void *addr, unsigned long pg_off,
			    unsigned long size, enum lkl_prot prot);

	struct lkl_dev_pci_ops *pci_ops;
};

/**
 * lkl_init - register the host operations
 * @ops: the host operations; must stay valid while the kernel runs
 *
 * Returns 0, or -EINVAL if a required operation is missing (the missing
 * operation is named through @ops->print when that is set).
 */
int lkl_init(struct lkl_host_operations *ops);

/**
 * lkl_start_kernel - boot the kernel
 * @fmt: printf-style kernel command line (e.g. "mem=32M loglevel=8")
 *
 * Returns 0 once the kernel is up and the caller can issue system calls,
 * or a negative error code.
 */
int lkl_start_kernel(const char *fmt, ...);

/**
 * lkl_is_running - non-zero between a successful boot and the halt
 */
int lkl_is_running(void);

/**
 * lkl_sys_halt - shut the kernel down; returns 0 or a negative error code
 */
long lkl_sys_halt(void);

/**
 * lkl_cleanup - release what lkl_init() set up, after lkl_sys_halt()
 */
void lkl_cleanup(void);

/**
 * lkl_syscall - run system call @no with six parameters on the calling thread
 *
 * Returns the kernel's result: a value >= 0 or a negative errno.  Before the
 * boot and after the halt it returns -ENODEV without touching the kernel.
 */
long lkl_syscall(long no, long *params);

/**
 * lkl_syscall_abandon - stop waiting for the system call @thread runs
 *
 * For hosts whose threads can be told to do something else while a call of
 * theirs is blocked in the kernel.  The call goes on, but every access it
 * makes to user memory from now on fails with -EFAULT, so that memory may be
 * freed.  The thread's next call is not affected (if @thread is between two
 * calls, the next one is the one abandoned).  Needs the tls_* operations
 * (without them every call runs as one task).  Returns 0, -ESRCH when
 * @thread has no task, or -ENODEV before the boot and after the halt.
 */
int lkl_syscall_abandon(lkl_thread_t thread);

/**
 * lkl_trigger_irq - raise interrupt @irq from any host thread
 */
int lkl_trigger_irq(int irq);

/**
 * lkl_get_free_irq - reserve an interrupt number for @user
 */
int lkl_get_free_irq(const char *user);

/**
 * lkl_put_irq - release an interrupt number reserved for @user
 */
void lkl_put_irq(int irq, const char *user);

/*
 * Network devices whose frames the host carries.
 *
 * lkl_syscall(__NR_lkl_netdev_create, {name, flags, xmit, cookie, &dev})
 * registers an Ethernet device named @name (a "sim%d"-style pattern; NULL
 * means "sim%d"), administratively down, and returns its ifindex.  The
 * kernel calls @xmit(@cookie, frame, len) once per frame it sends: a whole
 * Ethernet frame, checksums filled in, at most MTU + 14 bytes, which the
 * host copies before returning.  @flags are LKL_NETDEV_* below.
 *
 * lkl_syscall(__NR_lkl_netdev_ctl, {dev, op, arg}) changes a device:
 * LKL_NETDEV_SET_MAC (@arg points to 6 bytes), LKL_NETDEV_SET_MTU (@arg is
 * the L3 MTU) or LKL_NETDEV_DESTROY.  Returns 0 or a negative errno
 * (-ENODEV for a handle that is not a live device).
 *
 * lkl_netdev_rx() hands a received frame to the kernel.  It may be called
 * from any host context, also while the kernel is busy (it queues the frame
 * and raises an interrupt, never waits); the frame comes from
 * ops->mem_alloc and the kernel releases it with ops->mem_free.  Frames for
 * a device that is gone, and frames longer than MTU + 18 bytes, are dropped.
 *
 * A handle must not be used after LKL_NETDEV_DESTROY: its address may be
 * given to a later device.  @xmit runs inside the kernel (possibly in
 * interrupt context): it must not block or call into the kernel.
 */
#define LKL_NETDEV_NOARP		(1 << 0)
#define LKL_NETDEV_POINTTOPOINT		(1 << 1)
#define LKL_NETDEV_MULTICAST		(1 << 2)
#define LKL_NETDEV_BROADCAST		(1 << 3)

#define LKL_NETDEV_SET_MAC		1
#define LKL_NETDEV_SET_MTU		2
#define LKL_NETDEV_DESTROY		3

struct lkl_netdev;

typedef int (*lkl_netdev_xmit_t)(void *cookie, const void *frame, int len);

struct lkl_netdev_frame {
	struct lkl_netdev_frame *next;	/* the kernel's, while queued */
	struct lkl_netdev *dev;
	unsigned int len;
	unsigned int reserved;
	unsigned char data[];
};

void lkl_netdev_rx(struct lkl_netdev_frame *frame);

/*
 * Poll waiters that call the host back.
 *
 * lkl_syscall(__NR_lkl_poll_add, {fd, events, notify, cookie, &poll})
 * returns the current readiness (POLL* bits) of file @fd.  When @notify
 * is not NULL it also registers a waiter on the file's wait queues: every
 * later wake-up whose key intersects @events (or has no key) calls
 * @notify(@cookie, key), from whatever context woke the queue, until
 * lkl_syscall(__NR_lkl_poll_del, {poll}) removes it.  The waiter holds a
 * reference to the file, so closing @fd does not free it under the waiter.
 * @notify runs with the file's wait queue locked, possibly in interrupt
 * context: it must not block or call into the kernel.  A handle must not
 * be used after lkl_poll_del.
 */
struct lkl_poll;

typedef void (*lkl_poll_notify_t)(void *cookie, unsigned int key);

#endif /* _ASM_UAPI_LKL_HOST_OPS_H */
