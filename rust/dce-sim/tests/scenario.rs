//! Scenario files: the examples in `scenarios/` parse, run on the real
//! kernel library (`out/lib/liblkl.so`) and give the expected outcome; bad
//! files give clear errors; the `dce-sim` binary runs them.

mod common;
use common::{library, lock, MS, SEC};

use dce_sim::apps::transfer::{Received, Sent};
use dce_sim::link::PointToPointConfig;
use dce_sim::scenario::{self, AppReport, AppResult, AppStatus, LinkKind, Report, Scenario};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn load(name: &str) -> Scenario {
    Scenario::from_file(&example(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `sc` on a fresh host; panics with the nodes' logs on failure.
fn run(sc: &Scenario) -> Report {
    let _g = lock();
    let host = scenario::boot(&library(), sc).expect("boot");
    match scenario::run_on(&host, sc) {
        Ok(r) => r,
        Err(e) => {
            for i in 0..sc.nodes.len() {
                eprintln!(
                    "--- {}:\n{}",
                    sc.nodes[i].name,
                    host.node_log(dce_sim::NodeId(i as u32))
                );
            }
            panic!("{e}");
        }
    }
}

/// A fresh directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn ping_of(a: &AppReport) -> &dce_sim::apps::ping::PingReport {
    assert_eq!(a.status, AppStatus::Done, "{a}");
    match &a.result {
        AppResult::Ping(p) => p,
        r => panic!("not a ping: {r:?}"),
    }
}

fn sink_of(a: &AppReport) -> Received {
    assert_eq!(a.status, AppStatus::Done, "{a}");
    match a.result {
        AppResult::Sink(r) => r,
        ref r => panic!("not a sink: {r:?}"),
    }
}

fn source_of(a: &AppReport) -> Sent {
    assert_eq!(a.status, AppStatus::Done, "{a}");
    match a.result {
        AppResult::Source(s) => s,
        ref r => panic!("not a source: {r:?}"),
    }
}

fn p2p_config(sc: &Scenario, link: usize) -> PointToPointConfig {
    match sc.links[link].kind {
        LinkKind::PointToPoint(c) => c,
        k => panic!("link {link} is {k:?}"),
    }
}

/// Serialization time of `bytes` at `rate_bps`, rounded up as the link
/// model does.
fn ser(bytes: u64, rate_bps: u64) -> u64 {
    (bytes * 8 * SEC).div_ceil(rate_bps)
}

#[test]
fn every_example_parses() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    for n in [
        "chain.toml",
        "ipv6.toml",
        "lan.toml",
        "ping-p2p.toml",
        "sctp.toml",
        "tcp-bulk.toml",
        "tcp-gigabit.toml",
    ] {
        assert!(names.iter().any(|m| m == n), "{n} is missing");
    }
    for n in &names {
        let sc = load(n);
        assert_eq!(sc.name, n.trim_end_matches(".toml"));
        assert!(!sc.apps.is_empty(), "{n} runs nothing");
    }
}

#[test]
fn ping_p2p_rtt_is_twice_the_delay_plus_serialization() {
    let sc = load("ping-p2p.toml");
    let c = p2p_config(&sc, 0);
    assert_eq!((c.delay_ns, c.rate_bps), (10 * MS, 5_000_000));
    let report = run(&sc);
    let p = ping_of(&report.apps[0]);
    assert_eq!(
        (p.sent, p.replies.len(), p.duplicates),
        (10, 10, 0),
        "{p:?}"
    );
    // An 84-byte echo in IPv4 in Ethernet: 98 bytes each way.
    let rtt = 2 * (c.delay_ns + ser(98, c.rate_bps));
    assert_eq!(rtt, 20_313_600);
    for r in &p.replies {
        assert_eq!(r.rtt_ns, rtt, "{r:?}");
        assert_eq!(r.ttl, Some(64));
        assert!(r.data_ok);
    }
    assert_eq!(scenario::rtt_stats(p), Some((rtt, rtt, rtt)));
    let text = report.to_string();
    assert!(
        text.contains("rtt min/avg/max 20313.600/20313.600/20313.600 us; ttl 64"),
        "{text}"
    );
    // IPv6 stays silent (addrgenmode none) and a p2p link needs no ARP:
    // exactly the ten requests and the ten replies crossed the link.
    for (node, tx, rx) in [("a", 10, 10), ("b", 10, 10)] {
        let d = report.device(node, "sim0").expect("device");
        assert_eq!((d.stats.tx_frames, d.stats.rx_frames), (tx, rx), "{d}");
        assert_eq!(d.link, "p2p a-b");
    }
    assert_eq!(report.end_ns, 12 * SEC);
}

#[test]
fn tcp_bulk_delivers_every_byte_at_link_rate() {
    let sc = load("tcp-bulk.toml");
    let report = run(&sc);
    let got = sink_of(report.app("b", "tcp-sink").expect("sink"));
    let sent = source_of(report.app("a", "tcp-send").expect("source"));
    assert_eq!(got.bytes, 10_000_000);
    assert_eq!(sent.bytes, 10_000_000);
    assert_eq!(got.hash, sent.hash, "received bytes differ from sent");
    assert_eq!(
        got.peer.map(|p| p.ip().to_canonical()),
        Some(IpAddr::from([10, 1, 1, 1]))
    );
    let goodput = got.goodput_bps().expect("goodput");
    assert!(goodput > 90e6 && goodput < 100e6, "goodput {goodput} bit/s");
    let text = report.to_string();
    assert!(
        text.contains(&format!("fnv1a {:#018x}; goodput", got.hash.0)),
        "{text}"
    );
}

/// SCTP (one-to-one sockets): one association each way between two
/// nodes, every byte delivered intact, at nearly the 10 Mbit/s link rate.
#[test]
fn sctp_carries_data_both_ways() {
    let sc = load("sctp.toml");
    let report = run(&sc);
    for (sink, source, peer) in [("b", "a", [10, 1, 1, 1]), ("a", "b", [10, 1, 1, 2])] {
        let got = sink_of(report.app(sink, "sctp-sink").expect("sink"));
        let sent = source_of(report.app(source, "sctp-send").expect("source"));
        assert_eq!((got.bytes, sent.bytes), (1_000_000, 1_000_000));
        assert_eq!(
            got.hash, sent.hash,
            "{sink} received bytes differ from sent"
        );
        assert!(got.done, "{sink}: the association did not end");
        assert_eq!(
            got.peer.map(|p| p.ip().to_canonical()),
            Some(IpAddr::from(peer))
        );
        let goodput = got.goodput_bps().expect("goodput");
        assert!(goodput > 8e6 && goodput < 10e6, "goodput {goodput} bit/s");
    }
}

#[test]
fn tcp_gigabit_needs_and_gets_its_sysctls() {
    let tuned = load("tcp-gigabit.toml");
    assert_eq!(
        tuned.nodes[1].sysctls,
        [(
            ".net.ipv4.tcp_rmem".to_string(),
            "4096 131072 2097152".to_string()
        )]
    );
    let mut plain = tuned.clone();
    for n in &mut plain.nodes {
        n.sysctls.clear();
    }
    let goodput = |sc: &Scenario| {
        let report = run(sc);
        let got = sink_of(report.app("b", "tcp-sink").expect("sink"));
        let sent = source_of(report.app("a", "tcp-send").expect("source"));
        assert_eq!((got.bytes, got.hash), (100_000_000, sent.hash));
        got.goodput_bps().expect("goodput")
    };
    // The kernel's default buffers (32 MiB of memory) cap one flow well
    // below the link; the sysctls lift it to line rate.
    let (low, high) = (goodput(&plain), goodput(&tuned));
    assert!(low < 700e6, "untuned goodput {low} bit/s");
    assert!(high > 900e6, "tuned goodput {high} bit/s");
}

/// `epoch = ...` sets every node's real time at t=0 (sysctl `lkl.epoch`,
/// written before the node's own sysctls, which may override it).
#[test]
fn the_epoch_sets_the_nodes_real_time() {
    let _g = lock();
    let sc = Scenario::parse(&format!(
        "epoch = 1600000000\n{TWO}[[node]]\nname = \"c\"\n\
         sysctl = {{ \"lkl.epoch\" = \"42\" }}\n"
    ))
    .expect("parses");
    assert_eq!(sc.epoch, Some(1_600_000_000));
    let host = scenario::boot(&library(), &sc).expect("boot");
    let reads: Vec<_> = (0..3)
        .map(|i| {
            host.start_task(dce_sim::NodeId(i), 100 * MS, |_, e| {
                dce_sim::sysctl::get(&e, ".lkl.epoch")
            })
            .expect("task")
        })
        .collect();
    scenario::run_on(&host, &sc).expect("run");
    let got: Vec<String> = reads
        .iter()
        .map(|r| r.borrow_mut().take().expect("ran").expect("get"))
        .collect();
    assert_eq!(got, ["1600000000\n", "1600000000\n", "42\n"]);
    assert_eq!(
        error(&format!("epoch = 253402300800\n{TWO}")),
        "line 1: `epoch` is seconds since 1970, at most 253402300799 (9999-12-31)"
    );
    assert!(error(&format!("epoch = -1\n{TWO}")).starts_with("line 1:"));
}

#[test]
fn an_unknown_sysctl_fails_the_setup() {
    let _g = lock();
    let sc = Scenario::parse(
        "duration = \"1s\"\n[[node]]\nname = \"a\"\nsysctl = { \"net.ipv4.no_such\" = \"1\" }\n\
         [[app]]\nnode = \"a\"\nkind = \"tcp-sink\"\nport = 1\n",
    )
    .expect("parses");
    match scenario::run(&library(), &sc) {
        Err(scenario::RunError::Setup(msg)) => assert!(
            msg.contains("sysctl net.ipv4.no_such=1: sysctl .net.ipv4.no_such: not reported"),
            "{msg}"
        ),
        r => panic!("expected a setup error, got {r:?}"),
    }
}

/// `udp-send` with a `rate`: datagrams leave exactly `size * 8 / rate`
/// apart in virtual time (the sender waits in poll(), timed by a simulator
/// event), so they arrive exactly that far apart too.
#[test]
fn a_paced_udp_sender_is_exact_in_virtual_time() {
    let sc = Scenario::parse(
        r#"
duration = "3s"
[[node]]
name = "a"
[[node]]
name = "b"
[[link]]
kind = "p2p"
ends = ["a", "b"]
delay = "5ms"
rate = "100Mbps"
addresses = ["10.1.1.1/24", "10.1.1.2/24"]
[[app]]
node = "b"
kind = "udp-sink"
port = 9000
count = 100
[[app]]
node = "a"
at = "1s"
kind = "udp-send"
dst = "10.1.1.2:9000"
count = 100
size = 1250
rate = "1Mbps"
"#,
    )
    .expect("parse");
    let report = run(&sc);
    let r = sink_of(report.app("b", "udp-sink").expect("sink"));
    assert_eq!((r.chunks, r.bytes), (100, 125_000));
    // 1250 bytes at 1 Mbit/s: one every 10 ms, 99 gaps.
    let first = r.first_ns.expect("data");
    assert_eq!(r.last_ns - first, 99 * 10 * MS);
    // The first left at 1 s and crossed 5 ms plus its serialization.
    assert_eq!(first, SEC + 5 * MS + ser(1250 + 28 + 14, 100_000_000));
}

#[test]
fn chain_forwards_ping_and_tcp_through_three_routers() {
    let sc = load("chain.toml");
    assert_eq!(sc.nodes.len(), 5);
    assert!(sc.nodes[1..4].iter().all(|n| n.forwarding));
    let report = run(&sc);
    let p = ping_of(report.app("n0", "ping").expect("ping"));
    assert_eq!(p.replies.len(), 3, "{p:?}");
    let c = p2p_config(&sc, 0);
    for r in &p.replies {
        // Three routers on the way back: 64 - 3.
        assert_eq!(r.ttl, Some(61), "{r:?}");
        assert_eq!(r.from, IpAddr::from([10, 0, 3, 2]));
        // Four hops each way.
        assert_eq!(r.rtt_ns, 8 * (c.delay_ns + ser(98, c.rate_bps)), "{r:?}");
    }
    let got = sink_of(report.app("n4", "tcp-sink").expect("sink"));
    let sent = source_of(report.app("n0", "tcp-send").expect("source"));
    assert_eq!((got.bytes, sent.bytes), (1_000_000, 1_000_000));
    assert_eq!(got.hash, sent.hash);
    // The routers' two devices carried the same frames.
    for n in ["n1", "n2", "n3"] {
        let left = report.device(n, "sim0").expect("sim0").stats;
        let right = report.device(n, "sim1").expect("sim1").stats;
        assert_eq!(left.rx_frames, right.tx_frames, "{n}");
        assert_eq!(right.rx_frames, left.tx_frames, "{n}");
    }
}

#[test]
fn ipv6_ping_and_tcp_over_global_addresses() {
    let sc = load("ipv6.toml");
    let report = run(&sc);
    let a: IpAddr = "2001:db8:1::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1::2".parse().unwrap();
    let p = ping_of(report.app("a", "ping").expect("ping"));
    assert_eq!(p.replies.len(), 3, "{p:?}");
    let c = p2p_config(&sc, 0);
    for r in &p.replies {
        assert_eq!((r.from, r.ttl), (b, Some(64)));
        // 64 bytes of ICMPv6 + 40 + 14.
        assert_eq!(r.rtt_ns, 2 * (c.delay_ns + ser(118, c.rate_bps)), "{r:?}");
    }
    let got = sink_of(report.app("b", "tcp-sink").expect("sink"));
    let sent = source_of(report.app("a", "tcp-send").expect("source"));
    assert_eq!((got.bytes, got.hash), (1_000_000, sent.hash));
    assert_eq!(got.peer.map(|p| p.ip()), Some(a));
}

#[test]
fn lan_ping_resolves_arp_on_a_segment() {
    let sc = load("lan.toml");
    assert!(matches!(sc.links[0].kind, LinkKind::Segment(s) if s.ports == 3));
    let report = run(&sc);
    let p = ping_of(report.app("a", "ping").expect("ping"));
    assert_eq!(p.replies.len(), 3, "{p:?}");
    assert!(p.replies.iter().all(|r| r.ttl == Some(64) && r.data_ok));
    // The first request waited for ARP; the others did not.
    assert!(p.replies[0].rtt_ns > p.replies[1].rtt_ns, "{p:?}");
    assert_eq!(p.replies[1].rtt_ns, p.replies[2].rtt_ns);
    // a sent one ARP request and three echo requests; b, which takes no
    // part in the ping, saw them all (a segment delivers everywhere).
    let a = report.device("a", "sim0").expect("a").stats;
    assert_eq!(a.tx_frames, 4, "{a:?}");
    let got = sink_of(report.app("c", "udp-sink").expect("sink"));
    let sent = source_of(report.app("b", "udp-send").expect("source"));
    assert_eq!((got.chunks, got.bytes), (50, 50_000));
    assert_eq!(got.hash, sent.hash);
    assert_eq!(
        got.peer.map(|p| p.ip().to_canonical()),
        Some(IpAddr::from([192, 168, 1, 2]))
    );
}

#[test]
fn reports_are_deterministic() {
    let sc = load("lan.toml");
    let first = run(&sc).to_string();
    let second = run(&sc).to_string();
    assert_eq!(first, second);
    // Another seed changes the kernels' random choices (the ephemeral
    // ports), not the outcome.
    let mut other = sc.clone();
    other.seed = 7;
    let third = run(&other);
    assert_ne!(third.to_string(), first);
    assert!(third.apps.iter().all(|a| a.status == AppStatus::Done));
}

#[test]
fn unfinished_and_failed_apps_are_reported() {
    let sc = Scenario::parse(
        r#"
duration = "2s"
[[node]]
name = "a"
[[node]]
name = "b"
[[link]]
kind = "p2p"
ends = ["a", "b"]
delay = "1ms"
addresses = ["10.1.1.1/24", "10.1.1.2/24"]
[[app]]
node = "b"
kind = "udp-sink"
port = 9000
count = 10
[[app]]
node = "a"
kind = "tcp-send"
dst = "10.1.1.2:5001"
bytes = 1000
[[app]]
node = "a"
at = "1s"
kind = "udp-send"
dst = "10.1.1.2:9000"
count = 3
size = 100
[[app]]
node = "a"
at = "1999ms"
kind = "ping"
dst = "10.1.1.2"
count = 1
"#,
    )
    .expect("parse");
    // The sink still waits for 7 datagrams when the run ends (and its task
    // is still blocked in the kernel when the host is dropped).
    let report = run(&sc);
    let sink = &report.apps[0];
    assert_eq!(sink.status, AppStatus::Running);
    match sink.result {
        AppResult::Sink(r) => assert_eq!((r.chunks, r.bytes, r.done), (3, 300, false)),
        ref r => panic!("{r:?}"),
    }
    assert_eq!(
        report.apps[1].status,
        AppStatus::Failed("ECONNREFUSED: Connection refused".into())
    );
    assert_eq!(report.apps[2].status, AppStatus::Done);
    assert_eq!(report.apps[3].status, AppStatus::Running);
    let text = report.to_string();
    assert!(
        text.contains("app 1: udp-sink b port 9000 at 0.000000000 s: still running; 3 of 10"),
        "{text}"
    );
    assert!(
        text.contains("app 2: tcp-send a -> 10.1.1.2:5001 at 0.000000000 s: failed: ECONNREFUSED"),
        "{text}"
    );
    assert!(
        text.contains("app 4: ping a -> 10.1.1.2 at 1.999000000 s: still running\n"),
        "{text}"
    );
    // Shortened: the later applications never start.
    let mut short = sc.clone();
    short.duration_ns = 500 * MS;
    let report = run(&short);
    assert_eq!(report.apps[2].status, AppStatus::NotStarted);
    assert_eq!(report.end_ns, 500 * MS);
    assert!(
        report
            .to_string()
            .contains("app 3: udp-send a -> 10.1.1.2:9000 at 1.000000000 s: not started\n"),
        "{report}"
    );
}

/// The error for scenario `text`.
fn error(text: &str) -> String {
    Scenario::parse(text).expect_err("accepted").to_string()
}

const TWO: &str = "duration = \"1s\"\n[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n";

#[test]
fn bad_files_give_errors_that_name_the_line() {
    // A sysctl name that is not dotted.
    assert!(error(&format!(
        "{TWO}[[node]]\nname = \"c\"\nsysctl = {{ \"net/ipv4/ip_forward\" = \"1\" }}\n"
    ))
    .contains("sysctl name \"net/ipv4/ip_forward\" is not valid"));
    // Unknown node.
    assert_eq!(
        error(&format!(
            "{TWO}[[link]]\nkind = \"p2p\"\nends = [\"a\", \"c\"]\n"
        )),
        "line 8: unknown node `c` in `ends` (the nodes are: a, b)"
    );
    assert_eq!(
        error(&format!(
            "{TWO}[[app]]\nnode = \"z\"\nkind = \"tcp-sink\"\nport = 1\n"
        )),
        "line 7: unknown node `z` in `node` (the nodes are: a, b)"
    );
    // Bad address.
    assert_eq!(
        error(&format!(
            "{TWO}[[link]]\nkind = \"p2p\"\nends = [\"a\", \"b\"]\naddresses = [\"10.1.1.1/24\", \"10.1.1.256/24\"]\n"
        )),
        "line 9: `addresses`: bad address \"10.1.1.256/24\": \"10.1.1.256\" is not an IPv4 \
         or IPv6 address"
    );
    assert_eq!(
        error(&format!(
            "{TWO}[[link]]\nkind = \"p2p\"\nends = [\"a\", \"b\"]\naddresses = [\"10.1.1.1/24\"]\n"
        )),
        "line 9: `addresses` has 1 entry but the link has 2 nodes: give one entry (an \
         address or a list) per node of `ends`, in the same order"
    );
    // Unknown keys, at the top and in a table.
    assert_eq!(
        error(&format!("{TWO}durration = \"2s\"\n")),
        "line 6: unknown field `durration`, expected one of `name`, `forwarding`, `routes`, \
         `sysctl`"
    );
    assert_eq!(
        error("seeds = 3\nduration = \"1s\"\n[[node]]\nname = \"a\"\n"),
        "line 1: unknown field `seeds`, expected one of `seed`, `duration`, `pcap`, `epoch`, \
         `node`, `link`, `app`"
    );
    // Malformed durations.
    assert_eq!(
        error("duration = \"10\"\n[[node]]\nname = \"a\"\n"),
        "line 1: `duration`: malformed duration \"10\": expected a number and a unit, ns, \
         us, ms or s (e.g. \"150ms\", \"1.5s\")"
    );
    assert_eq!(
        error(&format!(
            "{TWO}[[link]]\nkind = \"p2p\"\nends = [\"a\", \"b\"]\ndelay = \"1.5ns\"\n"
        )),
        "line 9: `delay`: malformed duration \"1.5ns\": \"1.5\" is not a number of ns that \
         gives a whole number of nanoseconds below 2^64"
    );
    // Zero counts and missing keys.
    assert_eq!(
        error(&format!(
            "{TWO}[[app]]\nnode = \"a\"\nkind = \"ping\"\ndst = \"10.0.0.2\"\ncount = 0\n"
        )),
        "line 10: `count` must be at least 1"
    );
    assert_eq!(
        error(&format!(
            "{TWO}[[app]]\nnode = \"a\"\nkind = \"udp-send\"\ndst = \"10.0.0.2:9\"\ncount = 1\n"
        )),
        "line 8: a udp-send app needs `size`"
    );
    // Duplicate names, wrong kind of table.
    assert_eq!(
        error("duration = \"1s\"\n[[node]]\nname = \"a\"\n[[node]]\nname = \"a\"\n"),
        "line 5: duplicate node name `a`"
    );
    assert_eq!(
        error("duration = \"1s\"\n[node]\nname = \"a\"\n"),
        "line 2: `[node]` must be `[[node]]` (there may be several): invalid type: map, \
         expected a sequence"
    );
    // TOML syntax errors carry their line too.
    assert!(error(&format!("{TWO}[[link]\n")).starts_with("line 6: "));
}

#[test]
fn file_errors_carry_the_path() {
    let dir = scratch("scenario-errors");
    let f = dir.join("bad.toml");
    std::fs::write(&f, "duration = \"1 s\"\n").unwrap();
    let e = Scenario::from_file(&f).unwrap_err();
    assert_eq!((e.file.as_deref(), e.line), (Some(f.as_path()), Some(1)));
    assert!(e
        .to_string()
        .starts_with(&format!("{}:1: `duration`", f.display())));
    let missing = dir.join("missing.toml");
    let e = Scenario::from_file(&missing).unwrap_err();
    assert_eq!(e.line, None);
    assert!(e
        .to_string()
        .starts_with(&format!("{}: ", missing.display())));
}

fn dce_sim(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dce-sim"))
        .arg("--library")
        .arg(library())
        .args(args)
        .output()
        .expect("run dce-sim")
}

#[test]
fn cli_runs_an_example_and_prints_the_report() {
    let f = example("ping-p2p.toml");
    let out = dce_sim(&["--scenario".as_ref(), f.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with(
            "scenario ping-p2p: 2 nodes, 1 link, 1 app, seed 1; ran to 12.000000000 s, "
        ),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        "app 1: ping a -> 10.1.1.2 at 1.000000000 s: done; 10 of 10 sent, 10 received, 0 \
         lost, 0 duplicates; rtt min/avg/max 20313.600/20313.600/20313.600 us; ttl 64"
    );
    assert_eq!(
        lines[2],
        "device a sim0 02:00:00:01:00:01 (p2p a-b): tx 10 frames 980 bytes, rx 10 frames 980 \
         bytes; dropped 0 queue, 0 lost, 0 oversize, 0 unconnected"
    );
    // The same report from the library.
    let report = run(&load("ping-p2p.toml"));
    assert_eq!(report.to_string(), stdout);
}

#[test]
fn cli_options_override_the_file() {
    let dir = scratch("scenario-cli");
    let f = example("tcp-bulk.toml");
    let (pcap, logs) = (dir.join("pcap"), dir.join("logs"));
    let out = dce_sim(&[
        "--scenario".as_ref(),
        f.as_os_str(),
        "--until".as_ref(),
        "3s".as_ref(),
        "--seed".as_ref(),
        "5".as_ref(),
        "--pcap".as_ref(),
        pcap.as_os_str(),
        "--log-dir".as_ref(),
        logs.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with(
            "scenario tcp-bulk: 2 nodes, 1 link, 2 apps, seed 5; ran to 3.000000000 s"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("app 1: tcp-sink b port 5001 at 0.000000000 s: done; 10000000 bytes"));
    for n in ["tcp-bulk-0-0.pcap", "tcp-bulk-1-0.pcap"] {
        let len = std::fs::metadata(pcap.join(n)).expect(n).len();
        assert!(len > 10_000_000, "{n}: {len} bytes");
    }
    for n in ["a.log", "b.log"] {
        let log = std::fs::read_to_string(logs.join(n)).expect(n);
        assert!(log.contains("Linux version"), "{n}: {log}");
    }
}

#[test]
fn cli_rejects_a_bad_file_with_exit_code_2() {
    let dir = scratch("scenario-cli-bad");
    let f = dir.join("bad.toml");
    std::fs::write(
        &f,
        "duration = \"5s\"\n[[node]]\nname = \"a\"\n[[app]]\nnode = \"b\"\nkind = \"tcp-sink\"\nport = 1\n",
    )
    .unwrap();
    let out = dce_sim(&["--scenario".as_ref(), f.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "dce-sim: {}:5: unknown node `b` in `node` (the nodes are: a)\n",
            f.display()
        )
    );
    // --nodes and --scenario exclude each other; a bad --until is refused.
    let out = dce_sim(&[
        "--scenario".as_ref(),
        example("lan.toml").as_os_str(),
        "--nodes".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = dce_sim(&[
        "--scenario".as_ref(),
        example("lan.toml").as_os_str(),
        "--until".as_ref(),
        "soon".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("dce-sim: --until: malformed duration")
    );
}

#[test]
fn cli_nodes_mode_still_works() {
    let out = dce_sim(&[
        "--nodes".as_ref(),
        "2".as_ref(),
        "--until".as_ref(),
        "0.01".as_ref(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.starts_with("virtual time 10000000 ns"), "{stdout}");
    assert!(stdout.contains("node 1: "), "{stdout}");
}
