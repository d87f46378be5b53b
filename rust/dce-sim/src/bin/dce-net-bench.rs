//! `dce-net-bench`: traffic through two simulated kernels, measured in
//! wall time, next to the same traffic through the host's own kernel over
//! loopback in the same run (`make bench` prints the table).
//!
//! * UDP: 64-byte datagrams from one node to the other over a 10 Gbit/s
//!   point-to-point link; delivered datagrams per wall-clock second.
//! * TCP: a bulk transfer over a 1 Gbit/s, 1 ms link (2 MiB TCP buffers,
//!   set by sysctl as a DCE user would); simulated goodput, and simulated
//!   bytes moved per wall-clock second; and the goodput with the kernel's
//!   default buffers.
//!
//! The host baseline runs the same sender and receiver as two threads over
//! 127.0.0.1.
//!
//! Then many nodes under ns-3-dce's own loader (one copy of the library,
//! its writable segment swapped per node), next to separate copies per
//! node (nothing swapped) in the same run:
//!
//! * a chain like ns-3-dce's `dce-udp-perf`: 50 nodes, 10 s of 5 Mbit/s
//!   of 1448-byte datagrams from one end to the other (49 hops);
//! * a 10 MB TCP transfer between two nodes over 100 Mbit/s;
//!
//! with wall time, swaps, bytes copied and wall microseconds per
//! packet-hop.  Wall-clock figures are not deterministic; everything else
//! is.

use clap::Parser;
use dce_sim::abi::loader::LoaderMode;
use dce_sim::abi::{Host, TaskOutput};
use dce_sim::apps::rtnl::Rtnl;
use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use dce_sim::link::PointToPointConfig;
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::scenario::{self, AppResult, Scenario};
use dce_sim::{NodeId, Sim, SimConfig};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Instant;

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

/// Network throughput of two simulated kernels and of the host kernel.
#[derive(Debug, Parser)]
#[command(name = "dce-net-bench")]
struct Args {
    /// The kernel library.
    #[arg(long)]
    library: PathBuf,
    /// UDP datagrams to send.
    #[arg(long, default_value_t = 50_000)]
    udp_count: u32,
    /// TCP bytes to transfer.
    #[arg(long, default_value_t = 100_000_000)]
    tcp_bytes: u64,
    /// Nodes of the dce-udp-perf-like chain.
    #[arg(long, default_value_t = 50)]
    chain_nodes: usize,
}

/// A chain of `n` nodes, `n0` to `n<n-1>`, 100 Mbit/s and 1 ms per link,
/// with `udp` a paced UDP flow from `n0` to the last node for `secs`
/// seconds: `rate` bits of 1448-byte datagrams per second.
fn chain_toml(n: usize, rate: u64, secs: u64) -> String {
    let mut t = String::new();
    let count = rate * secs / (1448 * 8);
    let _ = writeln!(t, "duration = \"{}s\"", secs + 3);
    for i in 0..n {
        let _ = writeln!(t, "[[node]]\nname = \"n{i}\"");
        if i > 0 && i + 1 < n {
            let _ = writeln!(t, "forwarding = true");
        }
        if i + 2 < n {
            let _ = writeln!(
                t,
                "routes = [{{ to = \"10.{}.{}.0/24\", via = \"10.{}.{}.2\" }}]",
                (n - 2) / 256,
                (n - 2) % 256,
                i / 256,
                i % 256
            );
        }
    }
    for i in 0..n - 1 {
        let _ = writeln!(
            t,
            "[[link]]\nkind = \"p2p\"\nends = [\"n{i}\", \"n{}\"]\ndelay = \"1ms\"\n\
             rate = \"100Mbps\"\naddresses = [\"10.{a}.{b}.1/24\", \"10.{a}.{b}.2/24\"]",
            i + 1,
            a = i / 256,
            b = i % 256
        );
    }
    let last = n - 1;
    let _ = writeln!(
        t,
        "[[app]]\nnode = \"n{last}\"\nkind = \"udp-sink\"\nport = 9000\ncount = {count}"
    );
    let _ = writeln!(
        t,
        "[[app]]\nnode = \"n0\"\nat = \"1s\"\nkind = \"udp-send\"\ndst = \"10.{}.{}.2:9000\"\n\
         count = {count}\nsize = 1448\nrate = \"{rate}bps\"",
        (n - 2) / 256,
        (n - 2) % 256
    );
    t
}

/// Two nodes, 100 Mbit/s and 1 ms, `bytes` over TCP.
fn tcp_pair_toml(bytes: u64) -> String {
    format!(
        "duration = \"10s\"\n[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n\
         [[link]]\nkind = \"p2p\"\nends = [\"a\", \"b\"]\ndelay = \"1ms\"\nrate = \"100Mbps\"\n\
         addresses = [\"10.1.1.1/24\", \"10.1.1.2/24\"]\n\
         [[app]]\nnode = \"b\"\nkind = \"tcp-sink\"\nport = 5001\n\
         [[app]]\nnode = \"a\"\nat = \"1s\"\nkind = \"tcp-send\"\ndst = \"10.1.1.2:5001\"\nbytes = {bytes}\n"
    )
}

/// What one run of a scenario under a loader mode cost.
struct LoaderRun {
    wall_s: f64,
    /// Bytes (TCP) or datagrams (UDP) that arrived at the sink.
    delivered: u64,
    swaps: u64,
    copied: u64,
    /// The fewest and the most swaps of one node.
    per_node: (u64, u64),
}

fn loader_run(lib: &Path, toml: &str, mode: LoaderMode, datagrams: bool) -> LoaderRun {
    let sc = Scenario::parse(toml).unwrap_or_else(|e| {
        eprintln!("dce-net-bench: bad generated scenario: {e}");
        std::process::exit(1);
    });
    let host = scenario::boot_with(lib, &sc, mode).unwrap_or_else(|e| {
        eprintln!("dce-net-bench: {e}");
        std::process::exit(1);
    });
    let wall = Instant::now();
    let report = scenario::run_on(&host, &sc).unwrap_or_else(|e| {
        eprintln!("dce-net-bench: {e}");
        std::process::exit(1);
    });
    let wall_s = wall.elapsed().as_secs_f64();
    let delivered = report
        .apps
        .iter()
        .find_map(|a| match &a.result {
            AppResult::Sink(r) => Some(if datagrams { r.chunks } else { r.bytes }),
            _ => None,
        })
        .unwrap_or(0);
    let (mut swaps, mut copied, mut per_node) = (0, 0, (u64::MAX, 0));
    for i in 0..sc.nodes.len() {
        let st = host.swap_stats(NodeId(i as u32));
        swaps += st.swaps_in;
        copied += st.bytes_copied;
        per_node = (per_node.0.min(st.swaps_in), per_node.1.max(st.swaps_in));
    }
    LoaderRun {
        wall_s,
        delivered,
        swaps,
        copied,
        per_node,
    }
}

/// The table of many nodes under DCE's loader, next to separate copies.
fn loader_table(lib: &Path, chain_nodes: usize) {
    let hops = (chain_nodes - 1) as u64;
    let chain = chain_toml(chain_nodes, 5_000_000, 10);
    let tcp = tcp_pair_toml(10_000_000);
    let runs = [
        (
            loader_run(lib, &chain, LoaderMode::Cooja, true),
            loader_run(lib, &chain, LoaderMode::Copies, true),
        ),
        (
            loader_run(lib, &tcp, LoaderMode::Cooja, false),
            loader_run(lib, &tcp, LoaderMode::Copies, false),
        ),
    ];
    let probe = Host::new(SimConfig::default()).expect("host");
    probe.load_node_library(lib).expect("load");
    let seg = probe.swapped_segment_bytes();
    drop(probe);
    println!(
        "| many nodes, DCE's loader (one copy, {seg}-byte segment swapped) vs a copy per node | DCE's loader | copies | ratio |"
    );
    println!("|---|---|---|---|");
    let (c, p) = &runs[0];
    println!(
        "| {chain_nodes}-node UDP chain (dce-udp-perf: 10 s of 5 Mbit/s, 1448 B, {hops} hops), datagrams delivered | {} | {} | - |",
        c.delivered, p.delivered
    );
    println!(
        "| the same, wall time | {:.2} s | {:.2} s | {:.2} |",
        c.wall_s,
        p.wall_s,
        c.wall_s / p.wall_s
    );
    let hop = |r: &LoaderRun| r.wall_s * 1e6 / (r.delivered * hops).max(1) as f64;
    println!(
        "| the same, wall us per packet-hop | {:.1} | {:.1} | {:.2} |",
        hop(c),
        hop(p),
        hop(c) / hop(p)
    );
    println!(
        "| the same, segment swaps (all nodes) / bytes copied | {} / {} MB | 0 / 0 | - |",
        c.swaps,
        c.copied / 1_000_000
    );
    println!(
        "| the same, segment swaps of one node (fewest - most) | {} - {} | 0 | - |",
        c.per_node.0, c.per_node.1
    );
    let (c, p) = &runs[1];
    println!(
        "| 2-node TCP, 10 MB over 100 Mbit/s: bytes delivered | {} | {} | - |",
        c.delivered, p.delivered
    );
    println!(
        "| the same, wall time | {:.2} s | {:.2} s | {:.2} |",
        c.wall_s,
        p.wall_s,
        c.wall_s / p.wall_s
    );
    println!(
        "| the same, segment swaps (per node: {} and {}) / bytes copied | {} / {} MB | 0 / 0 | - |",
        c.per_node.0,
        c.per_node.1,
        c.swaps,
        c.copied / 1_000_000
    );
}

fn run_task<T: 'static>(
    host: &Host,
    node: NodeId,
    delay: u64,
    f: impl FnOnce(&Sim, dce_abi::SimExported) -> T + 'static,
) -> TaskOutput<T> {
    host.start_task(node, delay, f).expect("task")
}

fn run(host: &Host, t: u64) {
    if let Err(e) = host.run_until(t) {
        eprintln!("dce-net-bench: simulation failed: {e}");
        std::process::exit(1);
    }
}

/// Two nodes, 10.1.1.1 and 10.1.1.2, on a point-to-point link.
fn two_nodes(lib: &Path, cfg: PointToPointConfig) -> Pin<Box<Host>> {
    let host = Host::new(SimConfig::default()).expect("host");
    let mut devs: Vec<DeviceId> = Vec::new();
    for i in 0..2u8 {
        let node = host.load_node_library(lib).expect("load");
        let mac = [2, 0, 0, 0, i + 1, 1];
        devs.push(
            host.add_device(node, DeviceConfig::point_to_point(mac))
                .expect("device"),
        );
    }
    host.connect_p2p(devs[0], devs[1], cfg).expect("link");
    run(&host, MS);
    for i in 0..2u8 {
        let done = run_task(&host, NodeId(u32::from(i)), 0, move |_, e| {
            let mut rt = Rtnl::open(&e)?;
            let idx = rt.link_index("sim0")?;
            rt.link_set_addrgenmode(idx, 1)?;
            rt.addr_add(idx, IpAddr::V4(Ipv4Addr::new(10, 1, 1, i + 1)), 24)?;
            rt.link_set(idx, true, Some(false))
        });
        run(&host, host.sim().now() + 1);
        let result = done.borrow_mut().take();
        if let Some(Err(e)) = result {
            eprintln!("dce-net-bench: configuration failed: {e}");
            std::process::exit(1);
        }
    }
    host
}

fn udp_sim(lib: &Path, count: u32) -> (u32, f64) {
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 10_000_000_000,
        queue_limit: 1_000_000,
        ..PointToPointConfig::default()
    };
    let host = two_nodes(lib, cfg);
    let sink = run_task(&host, NodeId(1), 0, move |_, e| -> Result<u32, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        s.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 8 << 20)?;
        s.bind(&SockAddr::v4(SocketAddrV4::new(
            Ipv4Addr::UNSPECIFIED,
            9000,
        )))?;
        s.set_rcvtimeo(SEC)?;
        let mut got = 0;
        let mut buf = [0u8; 128];
        while got < count {
            match s.recv_from(&mut buf, 0) {
                Ok(_) => got += 1,
                Err(Errno(libc::EAGAIN)) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    });
    let _source = run_task(&host, NodeId(0), MS, move |_, e| -> Result<(), Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let to = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 9000));
        let msg = [0x5au8; 64];
        for _ in 0..count {
            s.send_to(&msg, Some(&to), 0)?;
        }
        Ok(())
    });
    let wall = Instant::now();
    run(&host, host.sim().now() + 30 * SEC);
    let secs = wall.elapsed().as_secs_f64();
    let got = sink.borrow_mut().take().and_then(Result::ok).unwrap_or(0);
    (got, secs)
}

/// (bytes, simulated seconds from first to last byte, wall seconds); with
/// `tune`, both nodes get 2 MiB TCP buffers (tcp_rmem, tcp_wmem) first,
/// written as DCE writes sysctls.
fn tcp_sim(lib: &Path, total: u64, tune: bool) -> (u64, f64, f64) {
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 1_000_000_000,
        queue_limit: 1000,
        ..PointToPointConfig::default()
    };
    let host = two_nodes(lib, cfg);
    if tune {
        for n in 0..2 {
            for (p, v) in [
                (".net.ipv4.tcp_rmem", "4096 131072 2097152"),
                (".net.ipv4.tcp_wmem", "4096 16384 2097152"),
            ] {
                host.sysctl_set(NodeId(n), p, v).expect("sysctl task");
            }
        }
        run(&host, host.sim().now() + 1);
    }
    let sink = run_task(
        &host,
        NodeId(1),
        0,
        |sim, e| -> Result<(u64, u64, u64), Errno> {
            let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
            l.bind(&SockAddr::v4(SocketAddrV4::new(
                Ipv4Addr::UNSPECIFIED,
                5001,
            )))?;
            l.listen(1)?;
            let c = l.accept(0)?;
            let (mut bytes, mut first, mut last) = (0u64, 0u64, 0u64);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let (n, _) = c.recv_from(&mut buf, 0)?;
                if n == 0 {
                    break;
                }
                if bytes == 0 {
                    first = sim.now();
                }
                bytes += n as u64;
                last = sim.now();
            }
            Ok((bytes, first, last))
        },
    );
    let _source = run_task(&host, NodeId(0), MS, move |_, e| -> Result<(), Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        let to = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 5001));
        s.connect(&SockAddr::inet(to), 0)?;
        let buf = vec![0xa5u8; 64 * 1024];
        let mut off = 0;
        while off < total {
            let n = (total - off).min(buf.len() as u64) as usize;
            off += s.send(&buf[..n], 0)? as u64;
        }
        s.close()
    });
    let wall = Instant::now();
    run(&host, host.sim().now() + 120 * SEC);
    let secs = wall.elapsed().as_secs_f64();
    let (bytes, first, last) = sink
        .borrow_mut()
        .take()
        .and_then(Result::ok)
        .unwrap_or((0, 0, 0));
    (bytes, (last - first) as f64 / 1e9, secs)
}

fn udp_host(count: u32) -> (u32, f64) {
    use std::os::fd::AsRawFd;
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    // The same 8 MiB receive buffer as the simulated sink (FORCE, as root,
    // passes rmem_max; otherwise the kernel's limit applies).
    let size: libc::c_int = 8 << 20;
    for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: setsockopt on our socket with a live int of its size.
        let r = unsafe {
            libc::setsockopt(
                rx.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            break;
        }
    }
    rx.set_read_timeout(Some(std::time::Duration::from_millis(200)))
        .expect("timeout");
    let to = rx.local_addr().expect("addr");
    let wall = Instant::now();
    let sender = std::thread::spawn(move || {
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let msg = [0x5au8; 64];
        for _ in 0..count {
            let _ = tx.send_to(&msg, to);
        }
    });
    let mut got = 0;
    let mut last = wall;
    let mut buf = [0u8; 128];
    while got < count && rx.recv_from(&mut buf).is_ok() {
        got += 1;
        last = Instant::now();
    }
    // Up to the last datagram: a lost one must not count its timeout.
    let secs = last.duration_since(wall).as_secs_f64();
    sender.join().expect("sender");
    (got, secs)
}

fn tcp_host(total: u64) -> (u64, f64) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let to = l.local_addr().expect("addr");
    let wall = Instant::now();
    let sender = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(to).expect("connect");
        let buf = vec![0xa5u8; 64 * 1024];
        let mut off = 0;
        while off < total {
            let n = (total - off).min(buf.len() as u64) as usize;
            s.write_all(&buf[..n]).expect("write");
            off += n as u64;
        }
    });
    let (mut c, _) = l.accept().expect("accept");
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes += n as u64,
        }
    }
    let secs = wall.elapsed().as_secs_f64();
    sender.join().expect("sender");
    (bytes, secs)
}

/// (files reported per walk, wall microseconds per walk) over 100 walks of
/// the sysctl tree, as DCE does before every sysctl read or write.
fn sysctl_walks(lib: &Path) -> (usize, f64) {
    let host = two_nodes(lib, PointToPointConfig::default());
    let out = run_task(&host, NodeId(0), 0, |_, e| {
        let start = Instant::now();
        let mut files = 0;
        for _ in 0..100 {
            files = dce_sim::sysctl::walk(&e, ".net.ipv4.conf.all.forwarding").1;
        }
        (files, start.elapsed().as_secs_f64() * 1e6 / 100.0)
    });
    run(&host, host.sim().now() + 1);
    let r = out.borrow_mut().take();
    r.unwrap_or((0, 0.0))
}

fn main() {
    let args = Args::parse();
    let (walk_files, walk_us) = sysctl_walks(&args.library);
    let (sim_udp, sim_udp_s) = udp_sim(&args.library, args.udp_count);
    let (host_udp, host_udp_s) = udp_host(args.udp_count);
    let (sim_tcp, sim_tcp_virtual_s, sim_tcp_s) = tcp_sim(&args.library, args.tcp_bytes, true);
    let (plain_tcp, plain_tcp_virtual_s, _) = tcp_sim(&args.library, args.tcp_bytes, false);
    let (host_tcp, host_tcp_s) = tcp_host(args.tcp_bytes);

    let sim_pps = f64::from(sim_udp) / sim_udp_s;
    let host_pps = f64::from(host_udp) / host_udp_s;
    let sim_bps = sim_tcp as f64 * 8.0 / sim_tcp_s;
    let host_bps = host_tcp as f64 * 8.0 / host_tcp_s;
    println!("| traffic (2 kernels under dce-sim vs the host kernel over loopback) | dce-sim | host | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| UDP 64-byte datagrams delivered per wall second ({}/{} and {}/{} delivered) | {:.0} | {:.0} | {:.3} |",
        sim_udp, args.udp_count, host_udp, args.udp_count, sim_pps, host_pps, sim_pps / host_pps
    );
    println!(
        "| TCP bulk, Mbit/s per wall second ({} MB) | {:.0} | {:.0} | {:.3} |",
        args.tcp_bytes / 1_000_000,
        sim_bps / 1e6,
        host_bps / 1e6,
        sim_bps / host_bps
    );
    println!(
        "| TCP simulated goodput on the 1 Gbit/s, 1 ms link, 2 MiB tcp_rmem/wmem | {:.1} Mbit/s | - | - |",
        sim_tcp as f64 * 8.0 / sim_tcp_virtual_s / 1e6
    );
    println!(
        "| the same with the kernel's default buffers (32 MiB nodes) | {:.1} Mbit/s | - | - |",
        plain_tcp as f64 * 8.0 / plain_tcp_virtual_s / 1e6
    );
    println!(
        "| TCP virtual seconds per wall second | {:.2} | - | - |",
        sim_tcp_virtual_s / sim_tcp_s
    );
    println!(
        "| sysctl tree walk (DCE's, before every get/set; {walk_files} files) | {walk_us:.0} us | - | - |"
    );
    println!();
    loader_table(&args.library, args.chain_nodes);
}
