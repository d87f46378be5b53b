//! Scenario files: a topology and the programs to run on it, written by
//! hand in TOML, validated into a [`Scenario`] and run on the kernel
//! library by [`run`].
//!
//! ```toml
//! seed = 1                    # random streams of the kernels and links
//! duration = "12s"            # virtual time to run to
//!
//! [[node]]
//! name = "a"
//! [[node]]
//! name = "b"
//!
//! [[link]]
//! kind = "p2p"
//! ends = ["a", "b"]
//! delay = "10ms"
//! rate = "5Mbps"
//! addresses = ["10.1.1.1/24", "10.1.1.2/24"]
//!
//! [[app]]
//! node = "a"
//! at = "1s"
//! kind = "ping"
//! dst = "10.1.1.2"
//! count = 10
//! ```
//!
//! The complete format is described in `Documentation/dce/dce-sim.rst`
//! and by the examples in `rust/dce-sim/scenarios/`.  In short:
//!
//! * top level: `seed` (default 1), `duration` (required), `pcap` (a
//!   directory for one capture file per device, optional), `epoch` (the
//!   nodes' real time at t=0, seconds since 1970: sysctl `lkl.epoch`);
//! * `[[node]]`: `name`, `forwarding` (IPv4 forwarding on all its
//!   devices), `routes = [{ to = "10.2.0.0/16" | "default", via = IP }]`,
//!   `sysctl = { "net.ipv4.tcp_rmem" = "4096 131072 2097152" }` (written
//!   the way DCE writes sysctls, in name order, first);
//! * `[[link]]`: `kind = "p2p"` with `ends = [two nodes]` or
//!   `kind = "segment"` with `nodes = [two or more]`; `delay`, `rate`,
//!   `loss`, `queue`, `overhead`; `addresses`, one entry per end (an
//!   address or a list of addresses, each `IP/prefix`); `ipv6`;
//! * `[[app]]`: `node`, `at` (start time, default 0) and `kind` = `ping`,
//!   `tcp-sink`, `tcp-send`, `sctp-sink`, `sctp-send`, `udp-sink` or
//!   `udp-send` with their keys.
//!
//! Durations are a number and a unit (`ns`, `us`, `ms`, `s`: `"150ms"`,
//! `"1.5s"`), rates a number and a unit (`bps`, `kbps`, `Mbps`, `Gbps`,
//! powers of 1000).
//!
//! # Errors
//!
//! [`Scenario::parse`] and [`Scenario::from_file`] return a
//! [`ScenarioError`] that names the line (and the key, where it can) of
//! the first problem: a TOML syntax error, an unknown key, a value of the
//! wrong type or out of range, a malformed duration, rate or address, an
//! unknown or duplicate node name, a wrong number of addresses...  They
//! never panic.
//!
//! # Running
//!
//! [`run`] boots one node per `[[node]]` with its own copy of the library
//! (as ns-3-dce does), then, at virtual time 0:
//!
//! 1. creates the devices: each link end is the node's next `simN`
//!    device (a point-to-point device on a `p2p` link, a CSMA device with
//!    ARP on a `segment`), with MAC address
//!    `02:00:NN:NN:DD:DD` (node index + 1 and device index + 1, 16 bits
//!    each);
//! 2. configures every node from a task of its own, through rtnetlink as
//!    `ip` would: `lo` up; for each device `addrgenmode none` if it has
//!    no IPv6 address and its link does not say `ipv6 = true` (so that
//!    IPv6 stays silent on it), its addresses, `up`, IPv4 forwarding if
//!    the node says `forwarding = true`; then the routes;
//! 3. starts each application in a task of its node at its `at` time,
//!    runs the simulation to `duration` and collects a [`Report`].
//!
//! [`run_on`] does steps 1 to 3 on a [`Host`](crate::abi::Host) the caller made (with
//! [`boot`]), so that the caller keeps the host, for example to read the
//! nodes' logs afterwards.
//!
//! The code, by concern: [`value`](self) units and addresses (`value.rs`),
//! the file as written and its validation section by section
//! (`parse.rs`), the validated [`Scenario`] (`model.rs`), the
//! [`Report`] (`report.rs`) and the runner (`run.rs`).

const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

mod error;
mod model;
mod parse;
mod report;
mod run;
mod value;

pub use error::*;
pub use model::*;
pub use report::*;
pub use run::*;
pub use value::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::PointToPointConfig;

    #[test]
    fn durations_take_a_unit_and_are_exact() {
        assert_eq!(parse_duration("150ms"), Ok(150 * MS));
        assert_eq!(parse_duration("20s"), Ok(20 * SEC));
        assert_eq!(parse_duration("1.5s"), Ok(1_500 * MS));
        assert_eq!(parse_duration("0.000000001s"), Ok(1));
        assert_eq!(parse_duration("7us"), Ok(7 * US));
        assert_eq!(parse_duration("7µs"), Ok(7 * US));
        assert_eq!(parse_duration("12ns"), Ok(12));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("2.50ms"), Ok(2_500_000));
        for bad in [
            "",
            "10",
            "10 ms",
            "ms",
            "1.5ns",
            "-1s",
            "1.s",
            ".5s",
            "1e3ms",
            "10min",
            "99999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_duration("10 ms")
            .unwrap_err()
            .contains("ns, us, ms or s"));
    }

    #[test]
    fn rates_take_a_unit_and_must_be_positive() {
        assert_eq!(parse_rate("5Mbps"), Ok(5_000_000));
        assert_eq!(parse_rate("100mbps"), Ok(100_000_000));
        assert_eq!(parse_rate("1.5Gbps"), Ok(1_500_000_000));
        assert_eq!(parse_rate("64kbps"), Ok(64_000));
        assert_eq!(parse_rate("9600bps"), Ok(9600));
        for bad in ["5", "5 Mbps", "5MBs", "0bps", "0.5bps", "Mbps"] {
            assert!(parse_rate(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_rate("0Mbps")
            .unwrap_err()
            .contains("leave `rate` out"));
    }

    #[test]
    fn addresses_need_a_prefix_length() {
        let c = parse_net("10.1.1.1/24").unwrap();
        assert_eq!(c.to_string(), "10.1.1.1/24");
        assert!(!is_network(&c));
        assert!(is_network(&parse_net("10.1.0.0/16").unwrap()));
        assert!(is_network(&parse_net("0.0.0.0/0").unwrap()));
        assert!(is_network(&parse_net("2001:db8::/32").unwrap()));
        assert!(!is_network(&parse_net("2001:db8::1/64").unwrap()));
        assert!(parse_net("10.1.1.1").is_err());
        assert!(parse_net("10.1.1.1/33").is_err());
        assert!(parse_net("2001:db8::1/129").is_err());
        // Out of range for the family (IpNet refuses it) or not a number:
        // the same message, with the family's limit.
        for (bad, max) in [("10.1.1.1/33", 32), ("10.1.1.1/x", 32), ("::1/129", 128)] {
            let e = parse_net(bad).unwrap_err();
            assert!(e.contains(&format!("from 0 to {max}")), "{e}");
        }
        assert!(parse_net("10.1.1.300/24")
            .unwrap_err()
            .contains("not an IPv4"));
    }

    const GOOD: &str = r#"
duration = "20s"

[[node]]
name = "a"
routes = [{ to = "default", via = "10.1.1.2" }]
[[node]]
name = "b"
forwarding = true
[[node]]
name = "c"

[[link]]
kind = "p2p"
ends = ["a", "b"]
delay = "10ms"
rate = "5Mbps"
addresses = ["10.1.1.1/24", ["10.1.1.2/24", "2001:db8::2/64"]]

[[link]]
kind = "segment"
nodes = ["b", "c"]
queue = 10
loss = 0.5

[[app]]
node = "a"
at = "1s"
kind = "ping"
dst = "10.1.1.2"
count = 3

[[app]]
node = "c"
kind = "tcp-sink"
port = 5001
"#;

    #[test]
    fn a_good_scenario_is_read_completely() {
        let sc = Scenario::parse(GOOD).unwrap();
        assert_eq!(
            (sc.seed, sc.duration_ns, sc.pcap.clone()),
            (1, 20 * SEC, None)
        );
        let names: Vec<&str> = sc.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(
            sc.nodes[0].routes,
            [RouteSpec {
                to: parse_net("0.0.0.0/0").unwrap(),
                via: "10.1.1.2".parse().unwrap()
            }]
        );
        assert!(sc.nodes[1].forwarding && !sc.nodes[0].forwarding);
        let l = &sc.links[0];
        assert_eq!(
            l.kind,
            LinkKind::PointToPoint(PointToPointConfig {
                delay_ns: 10 * MS,
                rate_bps: 5_000_000,
                ..PointToPointConfig::default()
            })
        );
        assert_eq!((l.ends[0].node, l.ends[0].device), (0, 0));
        assert_eq!((l.ends[1].node, l.ends[1].device), (1, 0));
        assert_eq!(l.ends[1].addresses.len(), 2);
        let s = &sc.links[1];
        match s.kind {
            LinkKind::Segment(c) => assert_eq!((c.ports, c.queue_limit, c.loss), (2, 10, 0.5)),
            k => panic!("{k:?}"),
        }
        // b's second device, c's first.
        assert_eq!((s.ends[0].node, s.ends[0].device), (1, 1));
        assert_eq!((s.ends[1].node, s.ends[1].device), (2, 0));
        assert!(s.ends[0].addresses.is_empty());
        assert_eq!(
            sc.apps[0],
            AppSpec {
                node: 0,
                at_ns: SEC,
                kind: AppKind::Ping {
                    dst: "10.1.1.2".parse().unwrap(),
                    count: 3,
                    interval_ns: SEC,
                    timeout_ns: SEC
                }
            }
        );
        assert_eq!(
            sc.apps[1].kind,
            AppKind::TcpSink {
                port: 5001,
                proto: Stream::Tcp
            }
        );
        assert_eq!(mac_of(0, 0), [2, 0, 0, 1, 0, 1]);
        assert_eq!(mac_of(299, 2), [2, 0, 1, 44, 0, 3]);
    }

    /// The error for `GOOD` with `from` replaced by `to`.
    fn bad(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "{from:?}");
        Scenario::parse(&GOOD.replacen(from, to, 1))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        assert_eq!(
            bad(r#"ends = ["a", "b"]"#, r#"ends = ["a", "x"]"#),
            "line 15: unknown node `x` in `ends` (the nodes are: a, b, c)"
        );
        assert_eq!(
            bad(r#"delay = "10ms""#, r#"delay = "10 ms""#),
            "line 16: `delay`: malformed duration \"10 ms\": expected a number and a unit, \
             ns, us, ms or s (e.g. \"150ms\", \"1.5s\")"
        );
        assert!(bad("rate = ", "rated = ").starts_with("line 17: unknown field `rated`"));
        assert_eq!(
            bad(r#""10.1.1.1/24", ["#, r#""10.1.1.1", ["#),
            "line 18: `addresses`: bad address \"10.1.1.1\": expected ADDRESS/PREFIX-LENGTH, \
             e.g. \"10.1.1.1/24\" or \"2001:db8::1/64\""
        );
        assert_eq!(
            bad(r#"name = "c""#, r#"name = "b""#),
            "line 11: duplicate node name `b`"
        );
        assert_eq!(
            bad("count = 3", "count = 0"),
            "line 31: `count` must be at least 1"
        );
        assert_eq!(
            bad(r#"port = 5001"#, r#"size = 5001"#),
            "line 36: `size` is not a key of a tcp-sink app (its keys are node, at, kind, port)"
        );
        assert!(bad("loss = 0.5", "loss = 1.5").starts_with("line 24: link loss probability"));
        assert_eq!(
            bad(r#"["10.1.1.2/24", "2001:db8::2/64"]"#, r#""10.1.1.1/24""#),
            "line 18: address 10.1.1.1 is already used by a/sim0"
        );
        assert_eq!(
            bad(
                r#""default", via = "10.1.1.2""#,
                r#""10.0.0.0/8", via = "2001:db8::1""#
            ),
            "line 6: route to 10.0.0.0/8 via 2001:db8::1 mixes IPv4 and IPv6"
        );
        assert_eq!(
            bad(r#""default""#, r#""10.2.0.1/16""#),
            "line 6: route `to` 10.2.0.1/16 has bits set after the prefix length (write the \
             network, e.g. \"10.2.0.0/16\")"
        );
        assert_eq!(
            bad(r#"at = "1s""#, r#"at = "20s""#),
            "line 28: the ping app starts at 20.000000000 s, not before the end of the \
             scenario (`duration` 20.000000000 s)"
        );
        assert_eq!(
            bad(r#"kind = "p2p""#, r#"kind = "p2q""#),
            "line 14: `kind`: unknown variant `p2q`, expected `p2p` or `segment`"
        );
        assert!(bad("duration = \"20s\"", "").contains("missing field `duration`"));
        assert!(
            bad("[[link]]\nkind = \"p2p\"", "[[link]]\nkind = 'p2p'\n[oops").starts_with("line ")
        );
    }
}
