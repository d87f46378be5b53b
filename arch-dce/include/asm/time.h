/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_TIME_H
#define _ASM_LKL_TIME_H

/* Stop the timer and release its interrupt, after the halt. */
void lkl_time_cleanup(void);

#endif /* _ASM_LKL_TIME_H */
