/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What lkl-sys takes from the installed headers (out/include, from
 * `make ARCH=lkl`): build.rs runs bindgen over this file, with allowlists,
 * into the raw module lkl_sys::uapi.  <lkl.h> brings the system call
 * numbers, errno values and most UAPI headers; the others are here.
 */
#include <lkl.h>
#include <lkl/linux/eventpoll.h>
#include <lkl/linux/icmp.h>
#include <lkl/linux/if_ether.h>
#include <lkl/linux/limits.h>
#include <lkl/linux/mount.h>
#include <lkl/linux/random.h>
#include <lkl/linux/tcp.h>
