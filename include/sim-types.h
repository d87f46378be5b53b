/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Value and handle types of the ns-3-dce kernel-library ABI ("sim" API,
 * LIBOS_API_VERSION 2), byte-compatible with the headers ns-3-dce 1.12 is
 * built against.  The layouts are interface facts, recorded in the project's
 * ABI reference (Documentation/dce/abi.rst).
 */
#ifndef SIM_TYPES_H
#define SIM_TYPES_H

/**
 * The version of the `sim` API whose layout these headers describe.
 *
 * DCE 1.12 was compiled with `#if LIBOS_API_VERSION == 2`, which selects the
 * three-argument `SimExported::dev_create` (`ifname`, `priv`, `flags`) and the
 * 30-member `SimImported` (abi.rst "Versions and layout rules").
 */
#define LIBOS_API_VERSION 2

/**
 * `struct SimTask`: the library's per-task object (LibOS: a `task_struct` plus
 * a `void *private`).
 *
 * DCE gets one from `SimExported::task_create` (lazily, the first time a DCE
 * task asks for "current", and for every kernel thread it starts), stores the
 * pointer as that Task's "extra context", never frees it, and maps it back to
 * its `Task*` with `SimExported::task_get_private`.
 */
struct SimTask;

/**
 * `struct SimSocket`: the library's socket (LibOS: `struct socket`).
 *
 * DCE keeps one per `KernelSocketFd` (shared by `dup`/`fork`) and releases it
 * with `SimExported::sock_close` when the last descriptor goes.
 */
struct SimSocket;

/**
 * `struct SimDevice`: the library's network device (LibOS: a `net_device` plus
 * a `void *priv`).
 *
 * DCE keeps it next to its `Ptr<NetDevice>` and passes it back to the `dev_*`
 * functions; it hands it to the host in `SimImported::dev_xmit` and maps it to
 * the `NetDevice*` with `SimExported::dev_get_private`.
 */
struct SimDevice;

/**
 * `struct SimSysFile`: one sysctl leaf of the library (LibOS: `struct
 * ctl_table`).
 *
 * DCE remembers it from `SimSysIterator::report_file` during a walk and passes
 * it to `SimExported::sys_file_read` or `SimExported::sys_file_write`.
 */
struct SimSysFile;

/**
 * `struct SimKernel`: DCE's per-node cookie (in practice its
 * `KernelSocketFdFactory*`).
 *
 * DCE passes it to `sim_init`; the library must never dereference it and passes
 * it back unchanged as the first argument of every `SimImported` function
 * except `poll_event`.
 */
struct SimKernel;

/**
 * `enum SimDevFlags`: properties of the ns-3 device that DCE passes to
 * `SimExported::dev_create` (int-sized; `unsigned int` is the compatible type
 * of the C enum).
 *
 * DCE 1.12 sets `MULTICAST` if `NetDevice::IsMulticast()`, `BROADCAST` if
 * `IsBroadcast()` and `NOARP` if `!NeedsArp()`; a PointToPoint device therefore
 * arrives as `MULTICAST | BROADCAST | NOARP` (`0b1101`). `POINTTOPOINT` is
 * never set by DCE 1.12.
 */
enum SimDevFlags {
	/**
	 * The device needs no ARP.  The library
	 * must then never transmit anything but IPv4 or IPv6 on it (DCE's
	 * PointToPoint device asserts on other EtherTypes).
	 */
	SIM_DEV_NOARP = 1 << 0,
	/**
	 * Never passed by DCE 1.12.
	 */
	SIM_DEV_POINTTOPOINT = 1 << 1,
	/**
	 * The device can multicast.
	 */
	SIM_DEV_MULTICAST = 1 << 2,
	/**
	 * The device can broadcast.
	 */
	SIM_DEV_BROADCAST = 1 << 3,
};

/**
 * `struct SimDevicePacket`: a received frame, passed and returned **by value**
 * (16 bytes: returned in RAX:RDX, passed in two integer registers on x86-64
 * SysV).
 *
 * On the RX path (run by DCE in main/event context) DCE calls
 * `dev_create_packet(dev, size + 14)`, copies the payload to
 * `buffer + 14`, writes the 14-byte Ethernet II header at `buffer` (`h_dest`,
 * `h_source`, `h_proto` in network order) and hands the whole packet back with
 * `SimExported::dev_rx`, which transfers ownership to the library.  DCE never
 * looks at `token`.
 */
struct SimDevicePacket {
	/**
	 * Start of the frame, where DCE writes the 14-byte Ethernet header; at
	 * least the requested size is writable.
	 */
	void *buffer;
	/**
	 * The library's own handle for the packet (LibOS: its `struct sk_buff
	 * *`), returned to it unchanged in `dev_rx`.
	 */
	void *token;
};

/**
 * `enum SimSysFileFlags`: access of a sysctl leaf, reported by the library
 * through the `int flags` argument of `SimSysIterator::report_file`.
 *
 * It crosses the ABI as that `int`.  DCE ignores it: it tries to read or
 * write any path it is asked for.
 */
enum SimSysFileFlags {
	/**
	 * The leaf can be read.
	 */
	SIM_SYS_FILE_READ = 1 << 0,
	/**
	 * The leaf can be written.
	 */
	SIM_SYS_FILE_WRITE = 1 << 1,
};

/**
 * `struct SimSysIterator`: the callbacks of a sysctl walk.
 *
 * DCE embeds this as the **first** member of a larger C++ object, passes a
 * pointer to it to `SimExported::sys_iterate_files` and casts `iter` back to
 * that object in each callback; it builds dotted paths
 * (`.net.ipv4.conf.all.forwarding`) by prefixing every reported component with
 * `.`.  The library calls the members in depth-first order: `report_start_dir`,
 * the children, `report_end_dir`; `report_file` for each leaf; the root itself
 * is not reported.  A Rust host embeds it the same way (first field of a
 * `#[repr(C)]` struct).
 */
struct SimSysIterator {
	/**
	 * Entering directory `dirname` (one path component, NUL-terminated):
	 * DCE appends `.dirname` to its current path.
	 */
	void (*report_start_dir)(const struct SimSysIterator *iter,
				 const char *dirname);
	/**
	 * Leaving the directory last entered: DCE drops the last component.
	 */
	void (*report_end_dir)(const struct SimSysIterator *iter);
	/**
	 * A leaf `filename` with `SimSysFileFlags` bits in `flags` and the
	 * library's handle `file`: DCE compares `current path + .filename` with
	 * the path it looks for (first exact match wins, duplicates are fine,
	 * `flags` is ignored) and remembers `file` for `sys_file_read` or
	 * `sys_file_write`.
	 */
	void (*report_file)(const struct SimSysIterator *iter,
			    const char *filename, int flags,
			    struct SimSysFile *file);
};

#endif /* SIM_TYPES_H */
