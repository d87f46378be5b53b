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
//! 127.0.0.1.  Wall-clock figures are not deterministic; everything else
//! is.

use clap::Parser;
use dce_sim::abi::{Host, TaskOutput};
use dce_sim::apps::rtnl::Rtnl;
use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use dce_sim::link::PointToPointConfig;
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::{NodeId, Sim, SimConfig};
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
}
