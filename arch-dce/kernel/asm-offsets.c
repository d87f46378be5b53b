// SPDX-License-Identifier: GPL-2.0
/* The arch needs no offsets in assembly; the file is required by Kbuild. */
