//! The ABI layer against a fake kernel library (tests/fake/fake_kernel.c),
//! compiled here with the host `cc` into one shared object per variant.

use dce_sim::abi::loader::LoadError;
use dce_sim::abi::observe::Recorder;
use dce_sim::abi::{AbiError, Host};
use dce_sim::{NodeId, SimConfig, SimError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

const SEC: u64 = 1_000_000_000;

/// One `Host` per process at a time: tests take this lock.
static HOST_LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Builds (once) the fake library with extra `-D` flags.
fn fake_lib(variant: &str, defines: &[&str]) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = manifest.join("tests/fake/fake_kernel.c");
    let include = manifest.join("../../include");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("libfake-{variant}.so"));
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = out.with_extension(format!("so.{}.{seq}", std::process::id()));
    let mut cmd = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cmd.args([
        "-shared",
        "-fPIC",
        "-O1",
        "-Wall",
        "-Werror",
        "-nostdlib",
        "-o",
    ])
    .arg(&tmp)
    .arg("-I")
    .arg(&include)
    .arg(&src);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    let st = cmd.status().expect("run cc");
    assert!(st.success(), "cc failed for {variant}");
    std::fs::rename(&tmp, &out).unwrap();
    out
}

fn good_lib() -> PathBuf {
    fake_lib("good", &[])
}

fn boot(lib: &Path, nodes: usize, seed: u64) -> std::pin::Pin<Box<Host>> {
    let host = Host::new(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .unwrap();
    for i in 0..nodes {
        assert_eq!(host.load_node_library(lib).unwrap(), NodeId(i as u32));
    }
    host
}

fn expected_ticks(log: &str, n: u64) {
    let ticks: Vec<&str> = log.lines().filter(|l| l.starts_with("tick ")).collect();
    assert_eq!(ticks.len() as u64, n, "{log}");
    for (i, l) in ticks.iter().enumerate() {
        let k = i as u64 + 1;
        assert_eq!(
            *l,
            format!("tick {k} at {} ns (pre_fn ran {k} times)", k * SEC),
            "{log}"
        );
    }
}

fn check_nodes(n: usize) {
    let _g = lock();
    let host = boot(&good_lib(), n, 7);
    host.run_until(5 * SEC).unwrap();
    let mut randoms = Vec::new();
    for i in 0..n {
        let node = NodeId(i as u32);
        assert!(host.node_initialized(node));
        let log = host.node_log(node);
        let first = log.lines().next().unwrap();
        // Every node has its own copy: its counter is 1, not i + 1.
        assert!(
            first.starts_with("hello from fake kernel: init_count=1 now=0 ns random="),
            "{first}"
        );
        assert!(first.ends_with(" memcpy ok"), "{first}");
        randoms.push(first.split("random=").nth(1).unwrap().to_string());
        assert_eq!(
            log.lines().nth(1),
            Some("ticker: task_current is the task_start result")
        );
        expected_ticks(&log, 5);
        // One 100-byte block (this tick's) plus the two SimTasks.
        let stats = host.sim().heap_stats(node).unwrap();
        assert!(stats.live_blocks <= 3, "{stats:?}");
    }
    if n > 1 {
        randoms.sort();
        randoms.dedup();
        assert_eq!(randoms.len(), n, "each node has its own random stream");
    }
}

#[test]
fn one_node_boots_and_ticks() {
    check_nodes(1);
}

#[test]
fn two_nodes_have_their_own_library_copies() {
    check_nodes(2);
}

#[test]
fn ten_nodes_have_their_own_library_copies() {
    check_nodes(10);
}

#[test]
fn idle_run_of_1000_seconds_has_an_exact_event_count() {
    let _g = lock();
    let host = boot(&good_lib(), 3, 1);
    host.run_until(1000 * SEC).unwrap();
    for i in 0..3 {
        let node = NodeId(i);
        // t=0: the sim_init D-task's slice, the slices of the three D-tasks
        // that write DCE's default sysctls, then the kernel task's first
        // slice; then per second one timer event and one slice of the woken
        // task.
        assert_eq!(host.sim().events_processed(node).unwrap(), 2 + 3 + 2 * 1000);
        expected_ticks(&host.node_log(node), 1000);
    }
    assert_eq!(host.sim().now(), 1000 * SEC);
}

#[test]
fn identical_runs_give_identical_logs() {
    let run = || {
        let _g = lock();
        let host = boot(&good_lib(), 4, 99);
        host.run_until(20 * SEC).unwrap();
        (0..4).map(|i| host.node_log(NodeId(i))).collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a, run());
    // Another seed changes the random numbers.
    let _g = lock();
    let host = boot(&good_lib(), 4, 100);
    host.run_until(20 * SEC).unwrap();
    assert_ne!(a[0], host.node_log(NodeId(0)));
}

#[test]
fn a_second_live_host_is_an_error() {
    let _g = lock();
    let h = Host::new(SimConfig::default()).unwrap();
    let e = Host::new(SimConfig::default()).unwrap_err();
    assert!(matches!(e, AbiError::HostAlreadyLive));
    assert!(e.to_string().contains("another dce-sim Host is alive"));
    drop(h);
    Host::new(SimConfig::default()).unwrap();
}

#[test]
fn library_without_sim_init_is_refused() {
    let lib = fake_lib("no-sim-init", &["NO_SIM_INIT"]);
    let _g = lock();
    let host = Host::new(SimConfig::default()).unwrap();
    let e = host.load_node_library(&lib).unwrap_err();
    assert!(matches!(e, AbiError::Load(LoadError::NoSimInit { .. })));
    assert!(
        e.to_string().ends_with(
            "has no `sim_init` symbol (DCE raises NS_FATAL_ERROR: not a kernel library)"
        ),
        "{e}"
    );
    assert_eq!(host.sim().node_count(), 0);
}

#[test]
fn missing_file_is_refused() {
    let _g = lock();
    let host = Host::new(SimConfig::default()).unwrap();
    let e = host
        .load_node_library(Path::new("/nonexistent/liblkl.so"))
        .unwrap_err();
    assert!(matches!(e, AbiError::Load(LoadError::Io { .. })), "{e}");
}

fn expect_hard_error(lib: &Path, until: u64) -> (SimError, String) {
    let _g = lock();
    let host = boot(lib, 1, 1);
    let e = host.run_until(until).unwrap_err();
    assert_eq!(host.sim().fatal(), Some(e.clone()));
    // The simulation cannot go on.
    assert_eq!(host.run_until(until + SEC).unwrap_err(), e);
    let log = host.node_log(NodeId(0));
    (e, log)
}

#[test]
fn exported_slot_left_null_is_a_hard_error() {
    let lib = fake_lib("null-dev-rx", &["LEAVE_NULL=dev_rx"]);
    let (e, _) = expect_hard_error(&lib, 10 * SEC);
    assert_eq!(
        e,
        SimError::ExportedSlotNull {
            node: NodeId(0),
            slot: "dev_rx"
        }
    );
    assert_eq!(
        e.to_string(),
        "sim_init on node 0 returned with exported->dev_rx still NULL (DCE would later call \
         through a NULL pointer)"
    );
}

#[test]
fn pre_fn_null_is_a_hard_error() {
    let lib = fake_lib("pre-fn-null", &["PRE_FN_NULL"]);
    let (e, log) = expect_hard_error(&lib, 10 * SEC);
    assert_eq!(e, SimError::PreFnNull { node: NodeId(0) });
    assert!(e.to_string().contains("with pre_fn NULL"));
    assert!(!log.lines().any(|l| l.starts_with("tick ")), "{log}");
}

#[test]
fn free_null_is_a_hard_error() {
    let lib = fake_lib("free-null", &["FREE_NULL"]);
    let (e, _) = expect_hard_error(&lib, 10 * SEC);
    assert_eq!(e, SimError::FreeNull { node: NodeId(0) });
    assert!(e.to_string().starts_with("free(NULL) on node 0"));
}

#[test]
fn task_current_in_an_event_callback_is_a_hard_error() {
    let lib = fake_lib("task-current-in-event", &["TASK_CURRENT_IN_EVENT"]);
    let _g = lock();
    let host = boot(&lib, 1, 1);
    let e = host.run_until(10 * SEC).unwrap_err();
    assert_eq!(e, SimError::TaskCurrentOutsideTask);
    assert_eq!(
        e.to_string(),
        "task_current() called in event context (DCE dereferences a NULL Task here)"
    );
    // It happened in the first timer callback, at 1 s.
    assert_eq!(host.sim().now(), SEC);
    assert!(!host
        .node_log(NodeId(0))
        .lines()
        .any(|l| l.starts_with("tick ")));
}

#[test]
fn other_imports_behave_like_dce() {
    let lib = fake_lib("exercise", &["EXERCISE"]);
    let _g = lock();
    let host = boot(&lib, 1, 1);
    let rec = std::rc::Rc::new(Recorder::default());
    host.observe(rec.clone());
    // DCE creates the node's devices right after sim_init; dev_xmit finds
    // this one again through the library's dev_get_private.
    let dev = host
        .add_device(
            NodeId(0),
            dce_sim::net::DeviceConfig::csma([2, 0, 0, 0, 0, 1]),
        )
        .unwrap();
    host.run_until(3 * SEC).unwrap();
    let stats = host.device_stats(dev);
    assert_eq!((stats.tx_frames, stats.tx_unconnected), (1, 1));
    let log = host.node_log(NodeId(0));
    assert!(!log.contains("cancelled event ran"), "{log}");
    assert!(
        log.contains("wakeup from event=1, wakeup of running self=0\nyielded at 1000000000 ns\n"),
        "{log}"
    );
    expected_ticks(&log, 3);
    let frames = rec.frames(NodeId(0));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].time, SEC);
    assert_eq!(frames[0].dev, 0x40);
    assert_eq!(frames[0].data, vec![0xab; 60]);
    let polls = rec.poll_events();
    assert_eq!(polls.len(), 1);
    assert_eq!(
        (
            polls[0].time,
            polls[0].node,
            polls[0].flag,
            polls[0].context
        ),
        (SEC, NodeId(0), 3, 0x1234)
    );
}

#[test]
fn cancelling_a_fired_event_is_a_hard_error() {
    let lib = fake_lib("stale-cancel", &["STALE_CANCEL"]);
    let (e, _) = expect_hard_error(&lib, 10 * SEC);
    assert!(matches!(e, SimError::EventAlreadyRan { .. }), "{e}");
    assert!(e.to_string().contains("its event already ran"), "{e}");
}

#[test]
fn file_imports_outside_an_application_task_are_hard_errors() {
    let lib = fake_lib("getenv", &["CALL_GETENV"]);
    let (e, log) = expect_hard_error(&lib, 10 * SEC);
    assert_eq!(
        e,
        SimError::OutsideApplicationTask {
            call: "getenv",
            node: NodeId(0)
        }
    );
    assert_eq!(
        e.to_string(),
        "getenv() called outside an application task on node 0 (DCE asserts here: the file and \
         environment imports need a DCE Thread)"
    );
    // sim_init was abandoned before its greeting.
    assert_eq!(log, "");
}

#[test]
fn cli_boots_nodes_and_writes_logs() {
    let lib = good_lib();
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-logs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The CLI is another process: no Host lock needed.
    let out = Command::new(env!("CARGO_BIN_EXE_dce-sim"))
        .arg("--library")
        .arg(&lib)
        .args(["--nodes", "2", "--until", "2.5", "--seed", "3", "--log-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("node 0: 9 events, initialized: true"),
        "{stdout}"
    );
    assert!(
        stdout.contains("node 1: 9 events, initialized: true"),
        "{stdout}"
    );
    assert!(stdout.contains("  | tick 2 at 2000000000 ns"), "{stdout}");
    for i in 0..2 {
        let log = std::fs::read_to_string(dir.join(format!("node-{i}.log"))).unwrap();
        expected_ticks(&log, 2);
    }
    // A hard error makes the CLI fail with its message.
    let bad = fake_lib("free-null", &["FREE_NULL"]);
    let out = Command::new(env!("CARGO_BIN_EXE_dce-sim"))
        .arg("--library")
        .arg(&bad)
        .args(["--until", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("hard error: free(NULL) on node 0"));
    let _ = std::fs::remove_dir_all(&dir);
}
