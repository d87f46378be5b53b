/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_CACHE_H
#define _ASM_LKL_CACHE_H

/*
 * The library runs on x86-64 hosts (ns-3-dce supports no other), whose
 * cache lines are 64 bytes, as arch/um says for them.  The generic 32
 * would also make every socket buffer smaller than on a real machine
 * (SKB_DATA_ALIGN, NET_SKB_PAD), and with it the receive window TCP
 * computes from the buffers' true size.
 */
#define L1_CACHE_SHIFT		6
#define L1_CACHE_BYTES		(1 << L1_CACHE_SHIFT)

#endif /* _ASM_LKL_CACHE_H */
