//! Build script for dce-abi: generates the crate's raw bindings
//! (`$OUT_DIR/sim_bindings.rs`, module `raw`) from the C headers of the
//! ns-3-dce ABI (`include/sim.h`, which pulls in `sim-types.h` and
//! `sim-init.h`; or the directory in `$DCE_SIM_INCLUDE`), once, with the
//! shared configuration of `build-support/bindings.rs`.
//!
//! * The two tables, the value types, `SimInit` and `LIBOS_API_VERSION` are
//!   generated with the headers' `/** */` comments as their documentation.
//! * The two flag enums become newtypes (`SimDevFlags(c_uint)` with one
//!   associated constant per enumerator); `src/types.rs` puts `bitflags` on
//!   top of them.
//! * The incomplete types (`SimTask` ... `SimKernel`, `msghdr`, `sockaddr`,
//!   `_IO_FILE`) and the `va_list` tag are not generated: `src/lib.rs` maps
//!   them to the crate's opaque types, and `ssize_t` to `isize`.
//!
//! Exports the include directory to dependents as `DEP_DCE_SIM_ABI_INCLUDE`.

#[path = "../build-support/bindings.rs"]
mod bindings;

/// C types the bindings must not define: `src/lib.rs` maps them to ours.
const MAPPED: &str = "SimTask|SimSocket|SimDevice|SimSysFile|SimKernel|msghdr|sockaddr|\
                      _IO_FILE|__va_list_tag|ssize_t";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let include = bindings::input(
        "DCE_SIM_INCLUDE",
        "../../include",
        "the directory of the sim headers (sim.h, sim-init.h, sim-types.h)",
        "It is include/ of this repository",
    );
    let header = include.join("sim.h");
    for h in ["sim-init.h", "sim-types.h"] {
        println!("cargo:rerun-if-changed={}", include.join(h).display());
    }
    // Exported to direct dependents as DEP_DCE_SIM_ABI_INCLUDE.
    println!("cargo:include={}", include.display());

    let b = bindings::builder(&header, &[&include])
        .allowlist_type("SimExported|SimImported|KernelHandle|DceHandle|SimInit")
        .allowlist_type("SimDevicePacket|SimSysIterator|SimDevFlags|SimSysFileFlags")
        .allowlist_var("LIBOS_API_VERSION")
        .blocklist_type(MAPPED)
        .newtype_enum("SimDevFlags|SimSysFileFlags")
        // DCE value-initialises SimExported (every member NULL): Default is
        // the same.
        .derive_default(true)
        .derive_debug(true);
    bindings::generate(b, "sim_bindings.rs", &header);
}
