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
//!   `_IO_FILE`) become opaque structs; `ssize_t` is left to `src/raw.rs`
//!   (`isize`).
//!
//! Exports the include directory to dependents as `DEP_DCE_SIM_ABI_INCLUDE`.

#[path = "../build-support/bindings.rs"]
mod bindings;

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
        .blocklist_type("ssize_t") // src/raw.rs: isize
        .newtype_enum("SimDevFlags|SimSysFileFlags")
        // DCE value-initialises SimExported (every member NULL): Default is
        // the same.
        .derive_default(true)
        .derive_debug(true);
    bindings::generate(b, "sim_bindings.rs", &header);
}
