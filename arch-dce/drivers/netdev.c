// SPDX-License-Identifier: GPL-2.0
/*
 * Ethernet devices whose frames the host carries.
 *
 * The host creates a device with the lkl_netdev_create call and gets every
 * frame the kernel sends through its xmit callback: one call per frame,
 * linear, with complete checksums (the device offers no offloads), at most
 * MTU + 14 bytes.  Received frames come in through lkl_netdev_rx(), from any
 * host context: they are queued without a lock and an interrupt hands them
 * to the stack, so the host never waits for the kernel.
 *
 * The interface to the host is described in asm/host_ops.h.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/ip.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <net/ip.h>
#include <asm/host_ops.h>
#include <asm/syscalls.h>

struct lkl_netdev {
	struct list_head list;
	struct net_device *dev;
	lkl_netdev_xmit_t xmit;
	void *cookie;
};

/* Live devices, for checking the handles the host passes in. */
static LIST_HEAD(netdevs);

/*
 * Received frames, last in first: pushed by the host, taken by the IRQ.
 *
 * lkl_netdev_rx() runs on any host thread, with or without the CPU (a
 * host's receive path is not kernel context), so it can take no kernel
 * lock: a spinlock would not exclude a holder that runs on the CPU, and a
 * mutex would need a task.  A lock-free stack needs none; the IRQ takes
 * it whole with one exchange and reverses it into arrival order.
 */
static struct lkl_netdev_frame *rx_stack;
static int rx_irq;

static struct lkl_netdev *lookup(struct lkl_netdev *handle)
{
	struct lkl_netdev *nd;

	list_for_each_entry(nd, &netdevs, list)
		if (nd == handle)
			return nd;
	return NULL;
}

static netdev_tx_t lkl_netdev_start_xmit(struct sk_buff *skb,
					 struct net_device *dev)
{
	struct lkl_netdev *nd = netdev_priv(dev);

	/* No offloads are offered: the stack hands over linear frames. */
	if (WARN_ON_ONCE(skb_is_nonlinear(skb)) ||
	    skb->len > dev->mtu + ETH_HLEN ||
	    nd->xmit(nd->cookie, skb->data, skb->len) < 0) {
		dev->stats.tx_dropped++;
	} else {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += skb->len;
	}
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops lkl_netdev_ops = {
	.ndo_start_xmit		= lkl_netdev_start_xmit,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void lkl_netdev_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &lkl_netdev_ops;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->lltx = true;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU - ETH_HLEN;
	dev->needs_free_netdev = true;
}

/*
 * ns-3's own IPv4 stack leaves header checksums at zero unless told
 * otherwise: the frame crossed no wire, so fill the checksum in rather
 * than drop the packet.
 */
static void fix_zero_ip_checksum(struct sk_buff *skb)
{
	struct iphdr *iph;

	if (skb->protocol != htons(ETH_P_IP) ||
	    !pskb_may_pull(skb, sizeof(*iph)))
		return;
	iph = (struct iphdr *)skb->data;
	if (iph->check || iph->ihl < 5 || !pskb_may_pull(skb, iph->ihl * 4))
		return;
	ip_send_check((struct iphdr *)skb->data);
}

/*
 * A receive buffer as common NIC drivers use them (igb, ixgbe and others
 * in build_skb mode): 2048 bytes per frame, the skb built around it.  Its
 * true size, which TCP charges to the socket and from which it derives
 * the window it advertises, is then a real NIC's, not just the frame's.
 * A frame too long for it (a jumbo MTU) gets an skb of its own size.
 */
#define RX_BUF_SIZE	2048
#define RX_BUF_ROOM	(SKB_WITH_OVERHEAD(RX_BUF_SIZE) - NET_SKB_PAD - \
			 NET_IP_ALIGN)

static struct sk_buff *alloc_rx_skb(struct net_device *dev, unsigned int len)
{
	struct sk_buff *skb;
	void *buf;

	if (len > RX_BUF_ROOM)
		return netdev_alloc_skb_ip_align(dev, len);
	buf = netdev_alloc_frag(RX_BUF_SIZE);
	if (!buf)
		return NULL;
	skb = build_skb(buf, RX_BUF_SIZE);
	if (!skb) {
		skb_free_frag(buf);
		return NULL;
	}
	skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN);
	return skb;
}

static void receive(struct lkl_netdev_frame *frame)
{
	struct lkl_netdev *nd = lookup(frame->dev);
	struct net_device *dev;
	struct sk_buff *skb;

	if (!nd)
		return;
	dev = nd->dev;
	if (frame->len < ETH_HLEN ||
	    frame->len > dev->mtu + ETH_HLEN + VLAN_HLEN) {
		dev->stats.rx_errors++;
		dev->stats.rx_length_errors++;
		return;
	}
	if (!netif_running(dev)) {
		dev->stats.rx_dropped++;
		return;
	}
	skb = alloc_rx_skb(dev, frame->len);
	if (!skb) {
		dev->stats.rx_dropped++;
		return;
	}
	skb_put_data(skb, frame->data, frame->len);
	skb->protocol = eth_type_trans(skb, dev);
	/*
	 * The frame crossed no wire: like a virtual device, trust its
	 * transport checksums.  Peers such as ns-3's own stack send zeros.
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	fix_zero_ip_checksum(skb);
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += frame->len;
	netif_rx(skb);
}

/* Hands every queued frame to the stack, oldest first. */
static void receive_all(void)
{
	struct lkl_netdev_frame *frame, *fifo = NULL;

	frame = __atomic_exchange_n(&rx_stack, NULL, __ATOMIC_ACQUIRE);
	while (frame) {
		struct lkl_netdev_frame *next = frame->next;

		frame->next = fifo;
		fifo = frame;
		frame = next;
	}
	while (fifo) {
		frame = fifo;
		fifo = frame->next;
		receive(frame);
		lkl_ops->mem_free(frame);
	}
}

static irqreturn_t rx_interrupt(int irq, void *unused)
{
	receive_all();
	return IRQ_HANDLED;
}

void lkl_netdev_rx(struct lkl_netdev_frame *frame)
{
	struct lkl_netdev_frame *top;

	if (!frame)
		return;
	if (rx_irq <= 0) {
		lkl_ops->mem_free(frame);
		return;
	}
	top = __atomic_load_n(&rx_stack, __ATOMIC_RELAXED);
	do {
		frame->next = top;
	} while (!__atomic_compare_exchange_n(&rx_stack, &top, frame, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	lkl_trigger_irq(rx_irq);
}

SYSCALL_DEFINE5(lkl_netdev_create, const char __user *, uname,
		unsigned int, flags, lkl_netdev_xmit_t, xmit, void *, cookie,
		struct lkl_netdev __user * __user *, handle)
{
	char name[IFNAMSIZ] = "sim%d";
	struct lkl_netdev *nd;
	struct net_device *dev;
	long len;
	int ret;

	if (!xmit || !handle || rx_irq <= 0)
		return -EINVAL;
	if (flags & ~(LKL_NETDEV_NOARP | LKL_NETDEV_POINTTOPOINT |
		      LKL_NETDEV_MULTICAST | LKL_NETDEV_BROADCAST))
		return -EINVAL;
	if (uname) {
		len = strncpy_from_user(name, uname, sizeof(name));
		if (len < 0)
			return len;
		if (len == sizeof(name))
			return -ENAMETOOLONG;
	}

	dev = alloc_netdev(sizeof(*nd), name,
			   strchr(name, '%') ? NET_NAME_ENUM : NET_NAME_USER,
			   lkl_netdev_setup);
	if (!dev)
		return -ENOMEM;
	/* The handle is the private data: it lives and dies with @dev. */
	nd = netdev_priv(dev);
	nd->dev = dev;
	nd->xmit = xmit;
	nd->cookie = cookie;

	dev->flags &= ~(IFF_BROADCAST | IFF_MULTICAST);
	if (flags & LKL_NETDEV_NOARP)
		dev->flags |= IFF_NOARP;
	if (flags & LKL_NETDEV_POINTTOPOINT)
		dev->flags |= IFF_POINTOPOINT;
	if (flags & LKL_NETDEV_MULTICAST)
		dev->flags |= IFF_MULTICAST;
	if (flags & LKL_NETDEV_BROADCAST)
		dev->flags |= IFF_BROADCAST;
	eth_hw_addr_random(dev);

	ret = register_netdev(dev);
	if (ret) {
		free_netdev(dev);
		return ret;
	}
	if (put_user((struct lkl_netdev __user *)nd, handle)) {
		/* needs_free_netdev: freed once unregistered. */
		unregister_netdev(dev);
		return -EFAULT;
	}
	list_add_tail(&nd->list, &netdevs);
	return dev->ifindex;
}

static int set_mac(struct net_device *dev, const void __user *uaddr)
{
	struct sockaddr sa = { .sa_family = dev->type };

	if (copy_from_user(sa.sa_data, uaddr, ETH_ALEN))
		return -EFAULT;
	return dev_set_mac_address(dev, &sa, NULL);
}

static void destroy(struct lkl_netdev *nd)
{
	/* Deliver what is queued while the handle is still valid. */
	receive_all();
	list_del(&nd->list);
	unregister_netdevice(nd->dev);
}

SYSCALL_DEFINE3(lkl_netdev_ctl, struct lkl_netdev *, handle, unsigned int, op,
		unsigned long, arg)
{
	struct lkl_netdev *nd;
	long ret;

	/*
	 * Look the handle up under RTNL: rtnl_lock() may sleep, and another
	 * call may destroy the device meanwhile.
	 */
	rtnl_lock();
	nd = lookup(handle);
	if (!nd) {
		ret = -ENODEV;
	} else if (op == LKL_NETDEV_SET_MAC) {
		ret = set_mac(nd->dev, (const void __user *)arg);
	} else if (op == LKL_NETDEV_SET_MTU) {
		ret = arg > INT_MAX ? -EINVAL : dev_set_mtu(nd->dev, arg);
	} else if (op == LKL_NETDEV_DESTROY) {
		destroy(nd);
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	/*
	 * An unregistered device is freed here, when RTNL is released, and
	 * its handle with it.
	 */
	rtnl_unlock();
	return ret;
}

static int __init lkl_netdev_init(void)
{
	int irq, ret;

	irq = lkl_get_free_irq("netdev");
	if (irq < 0)
		return irq;
	ret = request_irq(irq, rx_interrupt, 0, "lkl-netdev", NULL);
	if (ret) {
		lkl_put_irq(irq, "netdev");
		return ret;
	}
	rx_irq = irq;
	return 0;
}
device_initcall(lkl_netdev_init);
