//! Traffic through two simulated kernels under dce-sim, measured in wall
//! time, next to the same traffic through the host's own kernel over
//! loopback in the same run:
//!
//! * UDP: 64-byte datagrams from one node to the other over a 10 Gbit/s
//!   point-to-point link; delivered datagrams per wall-clock second.
//! * TCP: a bulk transfer over a 1 Gbit/s, 1 ms link (2 MiB TCP buffers,
//!   set by sysctl as a DCE user would); simulated goodput, and simulated
//!   bytes moved per wall-clock second; and the goodput with the kernel's
//!   default buffers.
//!
//! The host baseline runs the same sender and receiver as two threads over
//! 127.0.0.1 ([`crate::host`]).  Then the sysctl walk DCE makes before
//! every get and set.

use crate::host;
use crate::Args;
use dce_abi::SimExported;
use dce_sim::abi::{Host, TaskOutput};
use dce_sim::apps::rtnl::Rtnl;
use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use dce_sim::link::PointToPointConfig;
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::{NodeId, Sim, SimConfig};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;
use std::pin::Pin;
use std::time::Instant;

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

/// Starts `f` as an application task of `node` after `delay` ns.
pub(crate) fn run_task<T: 'static>(
    host: &Host,
    node: NodeId,
    delay: u64,
    f: impl FnOnce(&Sim, SimExported) -> T + 'static,
) -> Result<TaskOutput<T>, String> {
    host.start_task(node, delay, f)
        .map_err(|e| format!("task: {e}"))
}

/// Runs the simulation to virtual time `t`.
pub(crate) fn run(host: &Host, t: u64) -> Result<(), String> {
    host.run_until(t)
        .map_err(|e| format!("simulation failed: {e}"))
}

/// A point-to-point link of 1 ms at `rate_bps`, queueing `queue_limit`
/// packets.
fn link(rate_bps: u64, queue_limit: usize) -> PointToPointConfig {
    PointToPointConfig {
        delay_ns: MS,
        rate_bps,
        queue_limit,
        ..PointToPointConfig::default()
    }
}

/// Two nodes, 10.1.1.1 and 10.1.1.2, on a point-to-point link.
fn two_nodes(lib: &Path, cfg: PointToPointConfig) -> Result<Pin<Box<Host>>, String> {
    let host = Host::new(SimConfig::default()).map_err(|e| e.to_string())?;
    let mut devs: Vec<DeviceId> = Vec::new();
    for i in 0..2u8 {
        let node = host.load_node_library(lib).map_err(|e| e.to_string())?;
        let mac = [2, 0, 0, 0, i + 1, 1];
        devs.push(
            host.add_device(node, DeviceConfig::point_to_point(mac))
                .map_err(|e| e.to_string())?,
        );
    }
    host.connect_p2p(devs[0], devs[1], cfg)
        .map_err(|e| e.to_string())?;
    run(&host, MS)?;
    for i in 0..2u8 {
        let done = run_task(&host, NodeId(u32::from(i)), 0, move |_, e| {
            let mut rt = Rtnl::open(&e)?;
            let idx = rt.link_index("sim0")?;
            rt.link_set_addrgenmode(idx, 1)?;
            rt.addr_add(idx, IpAddr::V4(Ipv4Addr::new(10, 1, 1, i + 1)), 24)?;
            rt.link_set(idx, true, Some(false))
        })?;
        run(&host, host.sim().now() + 1)?;
        let result = done.borrow_mut().take();
        if let Some(Err(e)) = result {
            return Err(format!("configuration failed: {e}"));
        }
    }
    Ok(host)
}

/// (datagrams delivered, wall seconds).
fn udp_sim(lib: &Path, count: u32) -> Result<(u32, f64), String> {
    let host = two_nodes(lib, link(10_000_000_000, 1_000_000))?;
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
    })?;
    let _source = run_task(&host, NodeId(0), MS, move |_, e| -> Result<(), Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let to = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 9000));
        let msg = [0x5au8; 64];
        for _ in 0..count {
            s.send_to(&msg, Some(&to), 0)?;
        }
        Ok(())
    })?;
    let wall = Instant::now();
    run(&host, host.sim().now() + 30 * SEC)?;
    let secs = wall.elapsed().as_secs_f64();
    let got = sink.borrow_mut().take().and_then(Result::ok).unwrap_or(0);
    Ok((got, secs))
}

/// (bytes, simulated seconds from first to last byte, wall seconds); with
/// `tune`, both nodes get 2 MiB TCP buffers (tcp_rmem, tcp_wmem) first,
/// written as DCE writes sysctls.
fn tcp_sim(lib: &Path, total: u64, tune: bool) -> Result<(u64, f64, f64), String> {
    let host = two_nodes(lib, link(1_000_000_000, 1000))?;
    if tune {
        for n in 0..2 {
            for (p, v) in [
                (".net.ipv4.tcp_rmem", "4096 131072 2097152"),
                (".net.ipv4.tcp_wmem", "4096 16384 2097152"),
            ] {
                host.sysctl_set(NodeId(n), p, v)
                    .map_err(|e| format!("sysctl task: {e}"))?;
            }
        }
        run(&host, host.sim().now() + 1)?;
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
    )?;
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
    })?;
    let wall = Instant::now();
    run(&host, host.sim().now() + 120 * SEC)?;
    let secs = wall.elapsed().as_secs_f64();
    let (bytes, first, last) = sink
        .borrow_mut()
        .take()
        .and_then(Result::ok)
        .unwrap_or((0, 0, 0));
    Ok((bytes, (last - first) as f64 / 1e9, secs))
}

/// (files reported per walk, wall microseconds per walk) over 100 walks of
/// the sysctl tree, as DCE does before every sysctl read or write.
fn sysctl_walks(lib: &Path) -> Result<(usize, f64), String> {
    let host = two_nodes(lib, PointToPointConfig::default())?;
    let out = run_task(&host, NodeId(0), 0, |_, e| {
        let start = Instant::now();
        let mut files = 0;
        for _ in 0..100 {
            files = dce_sim::sysctl::walk(&e, ".net.ipv4.conf.all.forwarding").1;
        }
        (files, start.elapsed().as_secs_f64() * 1e6 / 100.0)
    })?;
    run(&host, host.sim().now() + 1)?;
    let r = out.borrow_mut().take();
    Ok(r.unwrap_or((0, 0.0)))
}

/// The traffic table.
pub fn table(args: &Args) -> Result<(), String> {
    let lib = &args.library();
    let (udp_count, tcp_bytes) = (args.udp_count, args.tcp_bytes);
    let (walk_files, walk_us) = sysctl_walks(lib)?;
    let (sim_udp, sim_udp_s) = udp_sim(lib, udp_count)?;
    let (host_udp, host_udp_s) = host::udp(udp_count)?;
    let (sim_tcp, sim_tcp_virtual_s, sim_tcp_s) = tcp_sim(lib, tcp_bytes, true)?;
    let (plain_tcp, plain_tcp_virtual_s, _) = tcp_sim(lib, tcp_bytes, false)?;
    let (host_tcp_t, _) = host::tcp(tcp_bytes as usize)?;

    let sim_pps = f64::from(sim_udp) / sim_udp_s;
    let host_pps = f64::from(host_udp) / host_udp_s;
    let sim_bps = sim_tcp as f64 * 8.0 / sim_tcp_s;
    let host_bps = tcp_bytes as f64 * 8.0 / host_tcp_t.as_secs_f64();
    println!("| traffic (2 kernels under dce-sim vs the host kernel over loopback) | dce-sim | host | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| UDP 64-byte datagrams delivered per wall second ({sim_udp}/{udp_count} and {host_udp}/{udp_count} delivered) | {:.0} | {:.0} | {:.3} |",
        sim_pps, host_pps, sim_pps / host_pps
    );
    println!(
        "| TCP bulk, Mbit/s per wall second ({} MB) | {:.0} | {:.0} | {:.3} |",
        tcp_bytes / 1_000_000,
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
    Ok(())
}
