/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_ATOMIC_H
#define _ASM_LKL_ATOMIC_H

/*
 * Atomic operations on the compiler's atomic built-ins, in 32 and 64 bits.
 *
 * asm-generic/atomic.h would be correct for this uniprocessor kernel, but
 * it makes every operation a read-modify-write between
 * raw_local_irq_save() and raw_local_irq_restore() (two calls into
 * kernel/irq.c here, for every reference count the stack takes), and
 * without this header 64-bit atomics would come from lib/atomic64.c,
 * which takes a hashed spinlock per operation.  The built-ins are one
 * instruction each, need no interrupt state, and serve both widths.
 */

#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/cmpxchg.h>

#define LKL_ATOMIC_OPS(pfx, type, atype)				\
static inline void arch_##pfx##_add(type i, atype *v)			\
{									\
	__atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline void arch_##pfx##_sub(type i, atype *v)			\
{									\
	__atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline void arch_##pfx##_and(type i, atype *v)			\
{									\
	__atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline void arch_##pfx##_or(type i, atype *v)			\
{									\
	__atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline void arch_##pfx##_xor(type i, atype *v)			\
{									\
	__atomic_fetch_xor(&v->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline type arch_##pfx##_add_return(type i, atype *v)		\
{									\
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_sub_return(type i, atype *v)		\
{									\
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_fetch_add(type i, atype *v)		\
{									\
	return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_fetch_sub(type i, atype *v)		\
{									\
	return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_fetch_and(type i, atype *v)		\
{									\
	return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_fetch_or(type i, atype *v)		\
{									\
	return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_fetch_xor(type i, atype *v)		\
{									\
	return __atomic_fetch_xor(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_xchg(atype *v, type i)			\
{									\
	return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline type arch_##pfx##_cmpxchg(atype *v, type old, type new)	\
{									\
	__atomic_compare_exchange_n(&v->counter, &old, new, false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	return old;							\
}

LKL_ATOMIC_OPS(atomic, int, atomic_t)
#define arch_atomic_read(v)		READ_ONCE((v)->counter)
#define arch_atomic_set(v, i)		WRITE_ONCE(((v)->counter), (i))
#define arch_atomic_add			arch_atomic_add
#define arch_atomic_sub			arch_atomic_sub
#define arch_atomic_and			arch_atomic_and
#define arch_atomic_or			arch_atomic_or
#define arch_atomic_xor			arch_atomic_xor
#define arch_atomic_add_return		arch_atomic_add_return
#define arch_atomic_sub_return		arch_atomic_sub_return
#define arch_atomic_fetch_add		arch_atomic_fetch_add
#define arch_atomic_fetch_sub		arch_atomic_fetch_sub
#define arch_atomic_fetch_and		arch_atomic_fetch_and
#define arch_atomic_fetch_or		arch_atomic_fetch_or
#define arch_atomic_fetch_xor		arch_atomic_fetch_xor
#define arch_atomic_xchg		arch_atomic_xchg
#define arch_atomic_cmpxchg		arch_atomic_cmpxchg

#ifdef CONFIG_64BIT
LKL_ATOMIC_OPS(atomic64, s64, atomic64_t)
#define ATOMIC64_INIT(i)		{ (i) }
#define arch_atomic64_read(v)		READ_ONCE((v)->counter)
#define arch_atomic64_set(v, i)		WRITE_ONCE(((v)->counter), (i))
#define arch_atomic64_add		arch_atomic64_add
#define arch_atomic64_sub		arch_atomic64_sub
#define arch_atomic64_and		arch_atomic64_and
#define arch_atomic64_or		arch_atomic64_or
#define arch_atomic64_xor		arch_atomic64_xor
#define arch_atomic64_add_return	arch_atomic64_add_return
#define arch_atomic64_sub_return	arch_atomic64_sub_return
#define arch_atomic64_fetch_add		arch_atomic64_fetch_add
#define arch_atomic64_fetch_sub		arch_atomic64_fetch_sub
#define arch_atomic64_fetch_and		arch_atomic64_fetch_and
#define arch_atomic64_fetch_or		arch_atomic64_fetch_or
#define arch_atomic64_fetch_xor		arch_atomic64_fetch_xor
#define arch_atomic64_xchg		arch_atomic64_xchg
#define arch_atomic64_cmpxchg		arch_atomic64_cmpxchg
#else
#include <asm-generic/atomic64.h>
#endif

#endif /* _ASM_LKL_ATOMIC_H */
