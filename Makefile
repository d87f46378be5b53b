# SPDX-License-Identifier: GPL-2.0
#
# Top-level driver: turns Debian's Linux 6.12 source plus our arch port
# (arch-dce/, linked in as arch/lkl) into lkl.o and the libraries.
#
#   make ARCH=lkl            build the kernel library (default goal)
#   make ARCH=lkl demo       build, then boot the kernel and print a few facts
#   make ARCH=lkl test       build, then run the test suite
#   make ARCH=lkl bench      build, then print the benchmark table
#   make ARCH=lkl defconfig|menuconfig|olddefconfig|savedefconfig
#   make ARCH=lkl install PREFIX=/usr/local
#   make clean | distclean
#
# KERNEL_SRC=<dir> uses an already extracted tree instead of the tarball.
# V=1 prints the full commands.

ARCH ?= lkl
ifneq ($(ARCH),lkl)
$(error this tree only builds ARCH=lkl (got ARCH=$(ARCH)))
endif

TOP := $(CURDIR)
OUT := $(TOP)/out
KBUILD_OUT := $(OUT)/kbuild
TARBALL ?= /usr/src/linux-source-6.12.tar.xz
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

ifeq ($(V),1)
Q :=
KMAKE_V := V=1
else
Q := @
KMAKE_V :=
endif

ifdef KERNEL_SRC
SRC := $(abspath $(KERNEL_SRC))
SRC_STAMP := $(OUT)/.src-external
else
SRC := $(OUT)/src/linux
SRC_STAMP := $(OUT)/.src-extracted
endif
PATCH_STAMP := $(OUT)/.src-patched

KMAKE = $(MAKE) --no-print-directory -C $(SRC) O=$(KBUILD_OUT) ARCH=lkl $(KMAKE_V) -j$(JOBS)

CARGO ?= cargo
RUST_DIR := $(TOP)/rust
export LKL_OBJ := $(KBUILD_OUT)/lkl.o


.PHONY: all lkl kernel prereqs source defconfig olddefconfig menuconfig \
	patches patches-check patches-build \
	savedefconfig test demo bench fidelity fuzz install clean distclean headers \
	util-lib

all: lkl

# ---------------------------------------------------------------------------
# Prerequisites: check, and install with apt-get when we are root.

prereqs:
	$(Q)$(TOP)/tools/prereqs.sh

# ---------------------------------------------------------------------------
# Kernel source: extract once, link the arch port in, apply patches/.

$(OUT)/.src-extracted: | prereqs
	$(Q)test -f $(TARBALL) || $(TOP)/tools/prereqs.sh --source
	@echo "  EXTRACT $(TARBALL)"
	$(Q)rm -rf $(OUT)/src && mkdir -p $(OUT)/src
	$(Q)tar -C $(OUT)/src -xf $(TARBALL)
	$(Q)mv $(OUT)/src/linux-source-6.12 $(SRC)
	$(Q)touch $@

$(OUT)/.src-external:
	$(Q)test -f $(SRC)/Makefile || { echo "KERNEL_SRC=$(SRC) is not a kernel tree" >&2; exit 1; }
	$(Q)mkdir -p $(OUT) && touch $@

$(PATCH_STAMP): $(SRC_STAMP) $(wildcard $(TOP)/patches/*.patch) $(TOP)/patches/series
	$(Q)$(TOP)/tools/apply-patches.sh $(SRC) $(TOP)/patches
	$(Q)ln -sfn $(TOP)/arch-dce $(SRC)/arch/lkl
	$(Q)touch $@

source: $(PATCH_STAMP)

# ---------------------------------------------------------------------------
# Kernel configuration and build.

$(KBUILD_OUT)/.config: $(PATCH_STAMP) $(TOP)/arch-dce/configs/defconfig
	$(Q)mkdir -p $(KBUILD_OUT)
	$(Q)$(KMAKE) defconfig

defconfig: $(PATCH_STAMP)
	$(Q)mkdir -p $(KBUILD_OUT)
	$(Q)$(KMAKE) defconfig

olddefconfig menuconfig savedefconfig: $(KBUILD_OUT)/.config
	$(Q)$(KMAKE) $@

# A build that starts without vmlinux is a full build: its duration is kept
# for the benchmark table.
kernel: $(KBUILD_OUT)/.config
	$(Q)full=0; [ -f $(KBUILD_OUT)/vmlinux ] || full=1; \
	start=$$(date +%s); \
	$(KMAKE) && if [ $$full = 1 ]; then \
		echo $$(( $$(date +%s) - start )) > $(OUT)/.full-build-seconds; fi

lkl: kernel headers util-lib dce-lib

# ---------------------------------------------------------------------------
# Headers for C programs: out/include/lkl.h and out/include/lkl/ (the UAPI
# renamed LKL-style, and the lkl_sys_*() wrappers).  Without rsync, which
# the kernel's headers_install needs, the "headers" output is copied instead.

PYTHON3 ?= python3
HDR_OUT := $(OUT)/hdr
INC_OUT := $(OUT)/include

headers: kernel
	$(Q)if command -v rsync >/dev/null 2>&1; then \
		$(KMAKE) headers_install INSTALL_HDR_PATH=$(HDR_OUT); \
	else \
		$(KMAKE) headers && echo "  INSTALL $(HDR_OUT)/include" && \
		rm -rf $(HDR_OUT)/include && \
		mkdir -p $(HDR_OUT) && cp -R $(KBUILD_OUT)/usr/include $(HDR_OUT)/ && \
		find $(HDR_OUT)/include -type f ! -name '*.h' -exec rm -f {} +; \
	fi
	$(Q)$(PYTHON3) $(TOP)/arch-dce/scripts/headers_install.py \
		--kernel-src $(SRC) --top $(TOP)/include/lkl.h \
		$(HDR_OUT)/include $(INC_OUT)
	$(Q)$(PYTHON3) $(TOP)/arch-dce/scripts/syscall_defs.py \
		--uapi $(HDR_OUT)/include --kernel-src $(SRC) \
		--config $(KBUILD_OUT)/.config --object $(LKL_OBJ) \
		--unistd $(INC_OUT)/lkl/asm-generic/unistd.h \
		-o $(INC_OUT)/lkl/asm/syscall_defs.h

# Host-side helpers for C programs, linked next to lkl.o and built over its
# system call API: out/lib/liblkl-util.a (tools/lkl/lib, declared in lkl.h).
# lkl_sysctl() and lkl_sysctl_get() live here, not in lkl.o, so that lkl.o
# links next to other LKL host libraries that have their own.
UTIL_LIB := $(OUT)/lib/liblkl-util.a
UTIL_SRCS := $(TOP)/tools/lkl/lib/sysctl.c
UTIL_OBJS := $(patsubst $(TOP)/tools/lkl/lib/%.c,$(OUT)/lib/util/%.o,$(UTIL_SRCS))
UTIL_CFLAGS := -std=gnu11 -O2 -fPIC -Wall -Wextra -Werror -I$(INC_OUT)

util-lib: headers
	$(Q)$(MAKE) --no-print-directory $(UTIL_LIB)

$(OUT)/lib/util/%.o: $(TOP)/tools/lkl/lib/%.c $(INC_OUT)/lkl.h \
		$(INC_OUT)/lkl/asm/syscall_defs.h
	@echo "  CC      $(patsubst $(TOP)/%,%,$@)"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(UTIL_CFLAGS) -c -o $@ $<

$(UTIL_LIB): $(UTIL_OBJS)
	@echo "  AR      $(patsubst $(TOP)/%,%,$@)"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# C API test: the Rust POSIX host when it is built as a C library exporting
# lkl_host_ops, else the minimal C host.
CAPI_TEST := $(OUT)/tests/lkl-api-test
RUST_HOST_LIB := $(RUST_DIR)/target/release/liblkl_posix_host.a

.PHONY: capi-test
capi-test: lkl
	$(Q)mkdir -p $(dir $(CAPI_TEST))
	$(Q)host=$(TOP)/tools/tests/posix-host-min.c; \
	if nm -g --defined-only $(RUST_HOST_LIB) 2>/dev/null | \
			grep -qw lkl_host_ops; then \
		host="$(RUST_HOST_LIB) -ldl -lm"; \
	fi; \
	echo "  CC      $(patsubst $(TOP)/%,%,$(CAPI_TEST))"; \
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -I$(INC_OUT) \
		-o $(CAPI_TEST) $(TOP)/tools/tests/lkl-api-test.c $$host \
		$(UTIL_LIB) $(LKL_OBJ) -Wl,-z,noexecstack -lpthread
	$(Q)$(CAPI_TEST) > $(CAPI_TEST).log 2>&1; rc=$$?; cat $(CAPI_TEST).log; \
	if grep -F -f $(TOP)/tools/kernel-log-alarms $(CAPI_TEST).log; then \
		echo "capi-test: the kernel logged a warning"; exit 1; \
	fi; exit $$rc

# ---------------------------------------------------------------------------
# The ns-3-dce kernel library: out/lib/liblkl.so (+ liblinux.so and
# libsim-linux.so) = rust/lkl-dce (no_std staticlib, profile dce-lib with
# panic = "abort") + its C string functions + lkl.o.  One exported symbol
# (sim_init), no DT_NEEDED, no undefined symbols, one RW PT_LOAD that GNU
# ld starts with PT_GNU_RELRO, which DCE's CoojaLoader does not swap
# (Documentation/dce/design.rst).  liblkl-mem<N>M.so is the same library
# under another DT_SONAME, from which its nodes get N MiB of memory
# instead of 32: ns-3-dce's Library attribute picks the file per node.
# Part of "lkl"; "make test" checks its ELF properties (dce-lib-test).

DCE_LIB_DIR := $(OUT)/lib
DCE_LIB := $(DCE_LIB_DIR)/liblkl.so
DCE_CRATE := $(RUST_DIR)/lkl-dce
DCE_STATICLIB := $(RUST_DIR)/target/dce-lib/liblkl_dce.a
DCE_STRING_O := $(DCE_LIB_DIR)/string.o
DCE_CFLAGS := -O2 -fPIC -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-tree-loop-distribute-patterns -Wall -Wextra -Werror
DCE_MEM_VARIANTS := 16 64 128
# $(call dce_link,output,soname)
dce_link = $(CC) -shared -nostdlib -fuse-ld=bfd -o $(1).tmp \
		-Wl,-z,defs -Wl,-z,noexecstack -Wl,-z,relro -Wl,--hash-style=both \
		-Wl,--version-script=$(DCE_CRATE)/csrc/liblkl.map \
		-Wl,-T,$(DCE_CRATE)/csrc/relro.ld \
		-Wl,-soname,$(2) -Wl,-u,sim_init \
		$(DCE_STRING_O) $(DCE_STATICLIB) $(LKL_OBJ) && mv -f $(1).tmp $(1)

.PHONY: dce-lib dce-lib-test
dce-lib: kernel headers
	$(Q)cd $(RUST_DIR) && $(CARGO) build --quiet -p lkl-dce --profile dce-lib
	$(Q)mkdir -p $(DCE_LIB_DIR)
	@echo "  CC      $(patsubst $(TOP)/%,%,$(DCE_STRING_O))"
	$(Q)$(CC) $(DCE_CFLAGS) -c -o $(DCE_STRING_O) $(DCE_CRATE)/csrc/string.c
	@echo "  LD      $(patsubst $(TOP)/%,%,$(DCE_LIB))"
	$(Q)$(call dce_link,$(DCE_LIB),liblkl.so)
	$(Q)for m in $(DCE_MEM_VARIANTS); do \
		echo "  LD      $(patsubst $(TOP)/%,%,$(DCE_LIB_DIR))/liblkl-mem$${m}M.so"; \
		$(call dce_link,$(DCE_LIB_DIR)/liblkl-mem$${m}M.so,liblkl-mem$${m}M.so) || exit 1; \
	done
	$(Q)ln -sfn liblkl.so $(DCE_LIB_DIR)/liblinux.so
	$(Q)ln -sfn liblkl.so $(DCE_LIB_DIR)/libsim-linux.so

dce-lib-test: dce-lib
	$(Q)$(TOP)/tools/tests/dce-lib-check.sh $(DCE_LIB)

# ---------------------------------------------------------------------------
# Programs and tests (Rust workspace under rust/).

demo: lkl
	$(Q)cd $(RUST_DIR) && $(CARGO) run --quiet --release -p lkl-demo
	@echo
	@echo "== two simulated nodes, a 10 ms link, ten pings (dce-sim)"
	$(Q)cd $(RUST_DIR) && $(CARGO) run --quiet --release -p dce-sim --bin dce-sim -- \
		--library $(DCE_LIB) --scenario dce-sim/scenarios/ping-p2p.toml

test: lkl
	$(Q)cd $(RUST_DIR) && $(CARGO) test --release --workspace
	$(Q)$(MAKE) --no-print-directory dce-lib-test
	$(Q)$(MAKE) --no-print-directory capi-test
	$(Q)$(MAKE) --no-print-directory patches-check

# The port as a patch series against the pristine tree (out/patches/series),
# its check (git am on a fresh pristine tree, same sources, checkpatch), and
# a full build of the patched tree.
patches: $(SRC_STAMP)
	$(Q)$(TOP)/tools/patches.sh series $(TARBALL)

patches-check: patches
	$(Q)$(TOP)/tools/patches.sh check $(TARBALL)

patches-build: patches
	$(Q)$(TOP)/tools/patches.sh build $(TARBALL)

bench: lkl
	$(Q)cd $(RUST_DIR) && $(CARGO) run --quiet --release -p lkl-bench -- --top $(TOP)

# The fidelity table in full (Documentation/dce/fidelity.rst): every case
# in dce-sim and, as root, on this machine's kernel in network namespaces;
# FIDELITY_SEEDS seeds for the rows with loss.  make bench prints the
# short form.
FIDELITY_SEEDS ?= 5
fidelity: lkl
	$(Q)cd $(RUST_DIR) && $(CARGO) run --quiet --release -p lkl-bench -- --top $(TOP) \
		--table fidelity --fidelity-full --fidelity-seeds $(FIDELITY_SEEDS)

# The DCE ABI fuzzer (Documentation/dce/fuzzing.rst): FUZZ_SEEDS seeds
# from FUZZ_SEED, FUZZ_OPS operations each (about 1.5 calls per operation).
FUZZ_SEED ?= 1
FUZZ_SEEDS ?= 4
FUZZ_OPS ?= 200000
fuzz: lkl
	$(Q)cd $(RUST_DIR) && $(CARGO) run --quiet --release -p dce-sim --bin dce-fuzz -- \
		$(DCE_LIB) --seed $(FUZZ_SEED) --seeds $(FUZZ_SEEDS) --ops $(FUZZ_OPS)

install: lkl
	$(Q)install -d $(PREFIX)/lib $(PREFIX)/lib/include $(PREFIX)/include
	$(Q)install -m 0644 $(KBUILD_OUT)/lkl.o $(PREFIX)/lib/lkl.o
	$(Q)install -m 0644 $(UTIL_LIB) $(PREFIX)/lib/liblkl-util.a
	$(Q)install -m 0755 $(DCE_LIB) $(PREFIX)/lib/liblkl.so
	$(Q)for m in $(DCE_MEM_VARIANTS); do \
		install -m 0755 $(DCE_LIB_DIR)/liblkl-mem$${m}M.so $(PREFIX)/lib/ || exit 1; \
	done
	$(Q)ln -sfn liblkl.so $(PREFIX)/lib/liblinux.so
	$(Q)ln -sfn liblkl.so $(PREFIX)/lib/libsim-linux.so
	$(Q)install -m 0644 $(TOP)/include/sim.h $(TOP)/include/sim-init.h \
		$(TOP)/include/sim-types.h $(PREFIX)/lib/include/
	$(Q)cp -R $(INC_OUT)/. $(PREFIX)/include/

clean:
	$(Q)if [ -d $(KBUILD_OUT) ]; then $(KMAKE) clean; fi
	$(Q)if [ -d $(RUST_DIR)/target ]; then cd $(RUST_DIR) && $(CARGO) clean; fi

distclean:
	$(Q)rm -rf $(OUT)
	$(Q)if [ -d $(RUST_DIR)/target ]; then cd $(RUST_DIR) && $(CARGO) clean; fi
