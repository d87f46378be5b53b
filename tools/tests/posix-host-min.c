// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal POSIX host for the kernel library: struct lkl_host_operations
 * over pthreads, malloc, mmap and clock_gettime, for C tests and examples.
 *
 * The operations are exported as lkl_host_ops; pass them to lkl_init().
 * The kernel's console goes to stderr when LKL_HOST_VERBOSE is set in the
 * environment and is discarded otherwise.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <lkl/asm/host_ops.h>

_Static_assert(sizeof(jmp_buf) <= sizeof(((struct lkl_jmp_buf *)0)->buf),
	       "jmp_buf does not fit in struct lkl_jmp_buf");

static void host_print(const char *str, int len)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("LKL_HOST_VERBOSE") != NULL;
	if (verbose)
		fwrite(str, 1, len, stderr);
}

static void host_panic(void)
{
	fprintf(stderr, "lkl: kernel panic\n");
	abort();
}

/* Counting semaphores: a mutex and a condition variable. */
struct lkl_sem {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int count;
};

static struct lkl_sem *sem_alloc(int count)
{
	struct lkl_sem *sem = malloc(sizeof(*sem));

	if (!sem)
		return NULL;
	pthread_mutex_init(&sem->lock, NULL);
	pthread_cond_init(&sem->cond, NULL);
	sem->count = count;
	return sem;
}

static void sem_free(struct lkl_sem *sem)
{
	pthread_cond_destroy(&sem->cond);
	pthread_mutex_destroy(&sem->lock);
	free(sem);
}

static void sem_up(struct lkl_sem *sem)
{
	pthread_mutex_lock(&sem->lock);
	sem->count++;
	pthread_cond_signal(&sem->cond);
	pthread_mutex_unlock(&sem->lock);
}

static void sem_down(struct lkl_sem *sem)
{
	pthread_mutex_lock(&sem->lock);
	while (sem->count <= 0)
		pthread_cond_wait(&sem->cond, &sem->lock);
	sem->count--;
	pthread_mutex_unlock(&sem->lock);
}

struct lkl_mutex {
	pthread_mutex_t lock;
};

static struct lkl_mutex *mutex_alloc(int recursive)
{
	struct lkl_mutex *mutex = malloc(sizeof(*mutex));
	pthread_mutexattr_t attr;

	if (!mutex)
		return NULL;
	pthread_mutexattr_init(&attr);
	if (recursive)
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&mutex->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return mutex;
}

static void mutex_free(struct lkl_mutex *mutex)
{
	pthread_mutex_destroy(&mutex->lock);
	free(mutex);
}

static void mutex_lock(struct lkl_mutex *mutex)
{
	pthread_mutex_lock(&mutex->lock);
}

static void mutex_unlock(struct lkl_mutex *mutex)
{
	pthread_mutex_unlock(&mutex->lock);
}

/*
 * Threads.  thread_exit() must not unwind the stack (the kernel's frames
 * have no unwind tables), so it jumps back to the start routine instead of
 * calling pthread_exit().
 */
struct thread_start {
	void (*fn)(void *arg);
	void *arg;
};

static __thread jmp_buf *thread_exit_jb;

static void *thread_trampoline(void *data)
{
	struct thread_start start = *(struct thread_start *)data;
	jmp_buf exit_jb;

	free(data);
	thread_exit_jb = &exit_jb;
	if (!setjmp(exit_jb))
		start.fn(start.arg);
	return NULL;
}

static lkl_thread_t thread_create(void (*fn)(void *), void *arg)
{
	struct thread_start *start = malloc(sizeof(*start));
	pthread_t thread;

	if (!start)
		return 0;
	start->fn = fn;
	start->arg = arg;
	if (pthread_create(&thread, NULL, thread_trampoline, start)) {
		free(start);
		return 0;
	}
	return (lkl_thread_t)thread;
}

static void thread_detach(void)
{
	pthread_detach(pthread_self());
}

static void thread_exit(void)
{
	if (thread_exit_jb)
		longjmp(*thread_exit_jb, 1);
	/* Not a thread of ours: there is no stack to unwind into. */
	pthread_exit(NULL);
}

static int thread_join(lkl_thread_t tid)
{
	return pthread_join((pthread_t)tid, NULL) ? -1 : 0;
}

static lkl_thread_t thread_self(void)
{
	return (lkl_thread_t)pthread_self();
}

static int thread_equal(lkl_thread_t a, lkl_thread_t b)
{
	return pthread_equal((pthread_t)a, (pthread_t)b);
}

static struct lkl_tls_key *tls_alloc(void (*destructor)(void *))
{
	pthread_key_t *key = malloc(sizeof(*key));

	if (!key)
		return NULL;
	if (pthread_key_create(key, destructor)) {
		free(key);
		return NULL;
	}
	return (struct lkl_tls_key *)key;
}

static void tls_free(struct lkl_tls_key *key)
{
	pthread_key_delete(*(pthread_key_t *)key);
	free(key);
}

static int tls_set(struct lkl_tls_key *key, void *data)
{
	return pthread_setspecific(*(pthread_key_t *)key, data) ? -1 : 0;
}

static void *tls_get(struct lkl_tls_key *key)
{
	return pthread_getspecific(*(pthread_key_t *)key);
}

static void *mem_alloc(unsigned long size)
{
	return malloc(size);
}

static void mem_free(void *addr)
{
	free(addr);
}

static void *page_alloc(unsigned long size)
{
	void *addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return addr == MAP_FAILED ? NULL : addr;
}

static void page_free(void *addr, unsigned long size)
{
	munmap(addr, size);
}

static unsigned long long host_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * One-shot timers: a thread per timer waits for the deadline, then calls
 * the timer function without holding the lock (it may re-arm the timer).
 * timer_free() asks the thread to exit; the thread frees the timer.
 */
struct host_timer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long long deadline;	/* 0: not armed */
	void (*fn)(void);
	int freed;
};

static void *timer_thread(void *data)
{
	struct host_timer *timer = data;
	struct timespec ts;

	pthread_mutex_lock(&timer->lock);
	while (!timer->freed) {
		if (!timer->deadline) {
			pthread_cond_wait(&timer->cond, &timer->lock);
			continue;
		}
		if (host_time() < timer->deadline) {
			ts.tv_sec = timer->deadline / 1000000000ULL;
			ts.tv_nsec = timer->deadline % 1000000000ULL;
			pthread_cond_timedwait(&timer->cond, &timer->lock, &ts);
			continue;
		}
		timer->deadline = 0;
		pthread_mutex_unlock(&timer->lock);
		timer->fn();
		pthread_mutex_lock(&timer->lock);
	}
	pthread_mutex_unlock(&timer->lock);

	pthread_cond_destroy(&timer->cond);
	pthread_mutex_destroy(&timer->lock);
	free(timer);
	return NULL;
}

static void *timer_alloc(void (*fn)(void))
{
	struct host_timer *timer = calloc(1, sizeof(*timer));
	pthread_condattr_t attr;
	pthread_t thread;

	if (!timer)
		return NULL;
	timer->fn = fn;
	pthread_mutex_init(&timer->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&timer->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&thread, NULL, timer_thread, timer)) {
		pthread_cond_destroy(&timer->cond);
		pthread_mutex_destroy(&timer->lock);
		free(timer);
		return NULL;
	}
	pthread_detach(thread);
	return timer;
}

static int timer_set_oneshot(void *data, unsigned long delta)
{
	struct host_timer *timer = data;

	pthread_mutex_lock(&timer->lock);
	timer->deadline = host_time() + delta;
	pthread_cond_signal(&timer->cond);
	pthread_mutex_unlock(&timer->lock);
	return 0;
}

static void timer_free(void *data)
{
	struct host_timer *timer = data;

	pthread_mutex_lock(&timer->lock);
	timer->freed = 1;
	pthread_cond_signal(&timer->cond);
	pthread_mutex_unlock(&timer->lock);
}

static void jmp_buf_set(struct lkl_jmp_buf *jmpb, void (*fn)(void))
{
	if (!setjmp(*(jmp_buf *)jmpb->buf))
		fn();
}

static void jmp_buf_longjmp(struct lkl_jmp_buf *jmpb, int val)
{
	longjmp(*(jmp_buf *)jmpb->buf, val);
}

static void *host_memcpy(void *dest, const void *src, unsigned long count)
{
	return memcpy(dest, src, count);
}

static void *host_memset(void *s, int c, unsigned long count)
{
	return memset(s, c, count);
}

static void *host_memmove(void *dest, const void *src, unsigned long count)
{
	return memmove(dest, src, count);
}

struct lkl_host_operations lkl_host_ops = {
	.print = host_print,
	.panic = host_panic,
	.sem_alloc = sem_alloc,
	.sem_free = sem_free,
	.sem_up = sem_up,
	.sem_down = sem_down,
	.mutex_alloc = mutex_alloc,
	.mutex_free = mutex_free,
	.mutex_lock = mutex_lock,
	.mutex_unlock = mutex_unlock,
	.thread_create = thread_create,
	.thread_detach = thread_detach,
	.thread_exit = thread_exit,
	.thread_join = thread_join,
	.thread_self = thread_self,
	.thread_equal = thread_equal,
	.tls_alloc = tls_alloc,
	.tls_free = tls_free,
	.tls_set = tls_set,
	.tls_get = tls_get,
	.mem_alloc = mem_alloc,
	.mem_free = mem_free,
	.page_alloc = page_alloc,
	.page_free = page_free,
	.time = host_time,
	.timer_alloc = timer_alloc,
	.timer_set_oneshot = timer_set_oneshot,
	.timer_free = timer_free,
	.jmp_buf_set = jmp_buf_set,
	.jmp_buf_longjmp = jmp_buf_longjmp,
	.memcpy = host_memcpy,
	.memset = host_memset,
	.memmove = host_memmove,
};
