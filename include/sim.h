/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Umbrella header of the ns-3-dce kernel-library ABI.  ns-3-dce's configure
 * checks that it compiles with host headers only.
 */
#ifndef SIM_H
#define SIM_H

#include <stdarg.h>
#include <sys/types.h>
#include <linux/types.h>

#include "sim-types.h"
#include "sim-init.h"

#endif /* SIM_H */
