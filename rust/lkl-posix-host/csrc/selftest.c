// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the POSIX host's jumps, for the crate's unit tests only
 * (src/tests.rs): they need C frames to jump over, and go through the ops
 * table exactly as the kernel would.
 *
 * build.rs compiles this file into an archive of its own: a program that
 * does not call these functions links none of it, so the host shipped to
 * programs carries no test code.  Built like posix_host.c (-O2
 * -fno-omit-frame-pointer, no _FORTIFY_SOURCE).
 */
#undef _FORTIFY_SOURCE

#include LKL_HOST_OPS_H

struct lkl_posix_selftest_exit {
	const struct lkl_host_operations *ops;
	volatile int reached;
	volatile int after;
};

static __attribute__((noinline)) int selftest_deep_exit(struct lkl_posix_selftest_exit *t,
							 int depth)
{
	volatile char pad[64];

	pad[0] = (char)depth;
	if (depth == 0) {
		t->reached = 1;
		t->ops->thread_exit();
		t->after = 1;
		return 0;
	}
	return selftest_deep_exit(t, depth - 1) + pad[0];
}

void lkl_posix_selftest_exit_thread(void *arg)
{
	struct lkl_posix_selftest_exit *t = arg;

	t->after = 2 + selftest_deep_exit(t, 16);
}

static const struct lkl_host_operations *selftest_jmp_ops;
static struct lkl_jmp_buf selftest_jb;
static volatile int selftest_jmp_stage;

static __attribute__((noinline)) int selftest_deep_jmp(int depth)
{
	volatile char pad[64];

	pad[0] = (char)depth;
	if (depth == 0)
		selftest_jmp_ops->jmp_buf_longjmp(&selftest_jb, 1);
	else
		selftest_deep_jmp(depth - 1);
	return pad[0];
}

static void selftest_jmp_target(void)
{
	selftest_jmp_stage = 1;
	selftest_deep_jmp(16);
	selftest_jmp_stage = 99;
}

/* Returns 1 if jmp_buf_set/jmp_buf_longjmp work (not thread safe). */
int lkl_posix_selftest_jmp(const struct lkl_host_operations *ops)
{
	selftest_jmp_ops = ops;
	selftest_jmp_stage = 0;
	ops->jmp_buf_set(&selftest_jb, selftest_jmp_target);
	return selftest_jmp_stage;
}
