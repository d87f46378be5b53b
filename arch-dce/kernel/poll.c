// SPDX-License-Identifier: GPL-2.0
/*
 * Poll waiters that call the host back.
 *
 * A host that multiplexes many files itself (ns-3-dce's poll() and select())
 * registers a waiter on a file's wait queues once and is called back on
 * every wake-up that matches, until it removes the waiter.  The interface
 * is described in asm/host_ops.h.
 */

#include <linux/file.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/host_ops.h>
#include <asm/syscalls.h>

struct lkl_poll_entry {
	wait_queue_entry_t wait;
	wait_queue_head_t *head;
	struct lkl_poll *poll;
	struct list_head list;
};

struct lkl_poll {
	poll_table pt;
	struct file *file;
	__poll_t events;
	lkl_poll_notify_t notify;
	void *cookie;
	struct list_head entries;
	struct list_head list;
	int error;
};

/* Live waiters, for checking the handles the host passes in. */
static LIST_HEAD(polls);

static int poll_wake(wait_queue_entry_t *wait, unsigned int mode, int sync,
		     void *key)
{
	struct lkl_poll_entry *entry = container_of(wait, struct lkl_poll_entry,
						    wait);
	struct lkl_poll *poll = entry->poll;
	__poll_t mask = key_to_poll(key);

	if (!mask || (mask & poll->events))
		poll->notify(poll->cookie, (__force unsigned int)mask);
	/*
	 * The queue is going away before the file (signalfd-like files):
	 * leave it now; lkl_poll_del then has nothing to remove.  Otherwise
	 * stay queued until the host removes the waiter.
	 */
	if (mask & POLLFREE) {
		list_del_init(&wait->entry);
		/* Pairs with smp_load_acquire() in poll_free(). */
		smp_store_release(&entry->head, NULL);
	}
	return 0;
}

static void poll_queue(struct file *file, wait_queue_head_t *head,
		       poll_table *pt)
{
	struct lkl_poll *poll = container_of(pt, struct lkl_poll, pt);
	struct lkl_poll_entry *entry;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry) {
		poll->error = -ENOMEM;
		return;
	}
	entry->head = head;
	entry->poll = poll;
	init_waitqueue_func_entry(&entry->wait, poll_wake);
	add_wait_queue(head, &entry->wait);
	list_add_tail(&entry->list, &poll->entries);
}

static void poll_free(struct lkl_poll *poll)
{
	struct lkl_poll_entry *entry, *next;

	list_for_each_entry_safe(entry, next, &poll->entries, list) {
		/* Pairs with smp_store_release() in poll_wake(). */
		wait_queue_head_t *head = smp_load_acquire(&entry->head);

		if (head)
			remove_wait_queue(head, &entry->wait);
		kfree(entry);
	}
	fput(poll->file);
	kfree(poll);
}

SYSCALL_DEFINE5(lkl_poll_add, int, fd, unsigned int, events,
		lkl_poll_notify_t, notify, void *, cookie,
		struct lkl_poll __user * __user *, handle)
{
	struct lkl_poll *poll;
	struct fd f;
	__poll_t mask;

	f = fdget(fd);
	if (!fd_file(f))
		return -EBADF;
	if (!notify) {
		mask = vfs_poll(fd_file(f), NULL);
		fdput(f);
		return (__force long)mask;
	}
	if (!handle) {
		fdput(f);
		return -EINVAL;
	}

	poll = kzalloc(sizeof(*poll), GFP_KERNEL);
	if (!poll) {
		fdput(f);
		return -ENOMEM;
	}
	poll->file = get_file(fd_file(f));
	fdput(f);
	poll->events = (__force __poll_t)events | EPOLLERR | EPOLLHUP;
	poll->notify = notify;
	poll->cookie = cookie;
	INIT_LIST_HEAD(&poll->entries);
	init_poll_funcptr(&poll->pt, poll_queue);
	poll->pt._key = poll->events;

	mask = vfs_poll(poll->file, &poll->pt);
	if (poll->error || put_user((struct lkl_poll __user *)poll, handle)) {
		long ret = poll->error ?: -EFAULT;

		poll_free(poll);
		return ret;
	}
	list_add_tail(&poll->list, &polls);
	return (__force long)mask;
}

SYSCALL_DEFINE1(lkl_poll_del, struct lkl_poll *, handle)
{
	struct lkl_poll *poll;

	list_for_each_entry(poll, &polls, list) {
		if (poll == handle) {
			list_del(&poll->list);
			poll_free(poll);
			return 0;
		}
	}
	return -EINVAL;
}
