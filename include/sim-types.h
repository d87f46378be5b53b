/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Value and handle types of the ns-3-dce kernel-library ABI ("sim" API,
 * LIBOS_API_VERSION 2), byte-compatible with the headers ns-3-dce 1.12 is
 * built against.  The layouts are interface facts, recorded in the project's
 * ABI reference (Documentation/dce/abi.rst).
 */
#ifndef SIM_TYPES_H
#define SIM_TYPES_H

#define LIBOS_API_VERSION 2

/* Opaque handles.  The library defines the first four, DCE the fifth. */
struct SimTask;
struct SimSocket;
struct SimDevice;
struct SimSysFile;
struct SimKernel;

/* Flags DCE passes to dev_create(); int-sized. */
enum SimDevFlags {
	SIM_DEV_NOARP = 1 << 0,
	SIM_DEV_POINTTOPOINT = 1 << 1,
	SIM_DEV_MULTICAST = 1 << 2,
	SIM_DEV_BROADCAST = 1 << 3,
};

/*
 * A received frame: @buffer is where the 14-byte Ethernet header goes,
 * @token the library's own handle.  Passed and returned by value.
 */
struct SimDevicePacket {
	void *buffer;
	void *token;
};

enum SimSysFileFlags {
	SIM_SYS_FILE_READ = 1 << 0,
	SIM_SYS_FILE_WRITE = 1 << 1,
};

/*
 * The sysctl walk: DCE embeds this as the first member of a larger object
 * and builds dotted paths from the reports.
 */
struct SimSysIterator {
	void (*report_start_dir)(const struct SimSysIterator *iter,
				 const char *dirname);
	void (*report_end_dir)(const struct SimSysIterator *iter);
	void (*report_file)(const struct SimSysIterator *iter,
			    const char *filename, int flags,
			    struct SimSysFile *file);
};

#endif /* SIM_TYPES_H */
