//! Helpers shared by the tests that run the real kernel library
//! (`out/lib/liblkl.so`, built by `make ARCH=lkl`).

#![allow(dead_code)] // each test crate uses a different subset

use dce_sim::abi::observe::Recorder;
use dce_sim::abi::Host;
use dce_sim::{NodeId, SimConfig};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};

pub const MS: u64 = 1_000_000;
pub const SEC: u64 = 1_000_000_000;

/// One `Host` per process at a time: tests take this lock.
static HOST_LOCK: Mutex<()> = Mutex::new(());

pub fn lock() -> MutexGuard<'static, ()> {
    HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The kernel library: `LKL_DCE_LIB`, or the one `make ARCH=lkl` built.
pub fn library() -> PathBuf {
    let path = std::env::var_os("LKL_DCE_LIB").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../out/lib/liblkl.so"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} is missing: run `make ARCH=lkl` first",
        path.display()
    );
    path
}

/// A host with `nodes` nodes running the library, seeded with `seed`.
pub fn boot(nodes: u32, seed: u64) -> Pin<Box<Host>> {
    let host = Host::new(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .expect("host");
    let lib = library();
    for i in 0..nodes {
        assert_eq!(host.load_node_library(&lib).expect("load"), NodeId(i));
    }
    host
}

/// Installs a [`Recorder`] on `host`: every frame and poll event from now.
pub fn record(host: &Host) -> std::rc::Rc<Recorder> {
    let rec = std::rc::Rc::new(Recorder::default());
    host.observe(rec.clone());
    rec
}
