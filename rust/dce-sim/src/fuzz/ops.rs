//! The operations of a fuzz run: [`one`] makes operation `kind` on the
//! state of the run, from the context DCE would make it from, with
//! plausible or garbage arguments.

use super::*;
use crate::abi::Host;
use crate::net::DeviceConfig;
use crate::poll::PollFd;
use crate::NodeId;
use core::ffi::{c_char, c_int, c_void};
use dce_abi::{MsgHdr, SimExported, SimSocket, SockAddr};
use gen::Gen;
use std::rc::Rc;

/// A socket of `node` to call: one it holds most of the time, a closed
/// one, one never created, NULL.
fn pick_sock(g: &mut Gen, st: &State, node: NodeId) -> usize {
    let socks = st.socks[node.0 as usize].borrow();
    if !socks.is_empty() && g.chance(940) {
        return g.pick(&socks);
    }
    match g.below(3) {
        0 => 0,
        1 => g.range(1, 64) as usize,
        _ => g.u64() as usize & 0xffff_ffff,
    }
}

/// One operation of kind `kind`; returns the virtual time to run after it.
pub(super) fn one(host: &Host, st: &Rc<State>, g: &mut Gen, kind: usize) -> Result<u64, String> {
    let node = NodeId(g.below(u64::from(NODES)) as u32);
    let ni = node.0 as usize;
    let nonblock = st.blocked.get() >= MAX_BLOCKED || g.chance(850);
    let step = if g.chance(900) {
        US
    } else {
        g.range(1, 20) as u64 * MS
    };
    let name = KINDS[kind].0;
    match name {
        "socket" => {
            let (d, t, p) = gen::socket_args(g);
            app_task(host, st, node, false, move |e, s2| {
                let mut s: *mut SimSocket = core::ptr::null_mut();
                // SAFETY: DCE's call with a live out slot.
                let r = unsafe { e.sock_socket.unwrap()(d, t, p, &mut s) };
                s2.count(i64::from(r));
                if r == 0 {
                    s2.socks[ni].borrow_mut().push(s as usize);
                }
            })?;
        }
        "close" => {
            let s = pick_sock(g, st, node);
            if !g.chance(100) {
                st.socks[ni].borrow_mut().retain(|&x| x != s);
                st.netlink[ni].borrow_mut().retain(|&(x, _)| x != s);
            }
            app_task(host, st, node, false, move |e, s2| {
                // SAFETY: a socket value as DCE would pass it (or garbage).
                let r = unsafe { e.sock_close.unwrap()(s as *mut SimSocket) };
                s2.count(i64::from(r));
            })?;
        }
        "bind" | "connect" => {
            let s = pick_sock(g, st, node);
            let (addr, len) = gen::sockaddr(g);
            let flags = if nonblock { 0o4000 } else { 0 };
            let bind = name == "bind";
            app_task(host, st, node, !bind && !nonblock, move |e, st| {
                let a = addr.as_ptr().cast::<SockAddr>();
                let s = s as *mut SimSocket;
                // SAFETY: `addr` is ADDR_BUF bytes; the kernel reads at most
                // that (larger lengths are refused first).
                let r = unsafe {
                    if bind {
                        e.sock_bind.unwrap()(s, a, len)
                    } else {
                        e.sock_connect.unwrap()(s, a, len, flags)
                    }
                };
                st.count(i64::from(r));
            })?;
        }
        "listen" => {
            let s = pick_sock(g, st, node);
            let backlog = g.int();
            app_task(host, st, node, false, move |e, s2| {
                // SAFETY: as DCE calls it.
                let r = unsafe { e.sock_listen.unwrap()(s as *mut SimSocket, backlog) };
                s2.count(i64::from(r));
            })?;
        }
        "accept" => {
            let s = pick_sock(g, st, node);
            let flags = if nonblock { 0o4000 } else { 0 };
            app_task(host, st, node, !nonblock, move |e, st| {
                let mut n: *mut SimSocket = core::ptr::null_mut();
                // SAFETY: a live out slot.
                let r = unsafe { e.sock_accept.unwrap()(s as *mut SimSocket, &mut n, flags) };
                st.count(i64::from(r));
                if r == 0 {
                    st.socks[ni].borrow_mut().push(n as usize);
                }
            })?;
        }
        "sendmsg" | "recvmsg" => {
            let s = pick_sock(g, st, node);
            let m = MsgSpec::new(g, name == "sendmsg", nonblock);
            let send = name == "sendmsg";
            app_task(host, st, node, !nonblock, move |e, st| {
                let r = m.call(e, s as *mut SimSocket, send);
                st.count(r as i64);
            })?;
        }
        "setsockopt" | "getsockopt" => {
            let s = pick_sock(g, st, node);
            let get = name == "getsockopt";
            let (level, opt) = gen::sockopt_name(g, get);
            let mut buf = vec![0u8; gen::OPT_BUF];
            let mut len = gen::sockopt_value(g, level, opt, &mut buf);
            if get {
                len = g.pick(&[
                    -1,
                    0,
                    1,
                    4,
                    8,
                    16,
                    64,
                    256,
                    4096,
                    gen::OPT_BUF as i32,
                    i32::MAX,
                ]);
            }
            app_task(host, st, node, false, move |e, s2| {
                let s = s as *mut SimSocket;
                let mut len = len;
                // SAFETY: `buf` is OPT_BUF bytes, as long as any length
                // passed but i32::MAX, which the kernel refuses first; an
                // option's pointers point into it.
                let r = unsafe {
                    if get {
                        e.sock_getsockopt.unwrap()(s, level, opt, buf.as_mut_ptr().cast(), &mut len)
                    } else {
                        e.sock_setsockopt.unwrap()(s, level, opt, buf.as_ptr().cast(), len)
                    }
                };
                s2.count(i64::from(r));
            })?;
        }
        "ioctl" => {
            let s = pick_sock(g, st, node);
            let req = gen::ioctl_request(g);
            let mut arg = vec![0u64; gen::IOCTL_BUF / 8];
            let mut aux = vec![0u64; 64 << 7];
            {
                // SAFETY: views of the u64 buffers as bytes (8-byte aligned).
                let (a, x) = unsafe {
                    (
                        core::slice::from_raw_parts_mut(
                            arg.as_mut_ptr().cast::<u8>(),
                            gen::IOCTL_BUF,
                        ),
                        core::slice::from_raw_parts_mut(aux.as_mut_ptr().cast::<u8>(), 64 << 10),
                    )
                };
                gen::ioctl_arg(g, req, a, x);
            }
            app_task(host, st, node, false, move |e, s2| {
                // SAFETY: `arg` holds the request's argument, its pointers
                // point into `aux`; both live for the call.
                let r = unsafe {
                    e.sock_ioctl.unwrap()(
                        s as *mut SimSocket,
                        req as c_int,
                        arg.as_mut_ptr().cast::<c_char>(),
                    )
                };
                drop(aux);
                s2.count(i64::from(r));
            })?;
        }
        "name" => {
            let s = pick_sock(g, st, node);
            let peer = g.chance(500);
            let len0 = g.pick(&[-1, 0, 1, 2, 16, 28, 128, 4096]);
            app_task(host, st, node, false, move |e, s2| {
                let mut buf = [0u8; gen::ADDR_BUF];
                let mut len = len0;
                let f = if peer {
                    e.sock_getpeername
                } else {
                    e.sock_getsockname
                };
                // SAFETY: the kernel writes at most the address's length,
                // at most ADDR_BUF bytes.
                let r =
                    unsafe { f.unwrap()(s as *mut SimSocket, buf.as_mut_ptr().cast(), &mut len) };
                s2.count(i64::from(r));
            })?;
        }
        "shutdown" => {
            let s = pick_sock(g, st, node);
            let how = if g.chance(900) {
                g.below(3) as i32
            } else {
                g.int()
            };
            app_task(host, st, node, false, move |e, s2| {
                // SAFETY: as DCE calls it.
                let r = unsafe { e.sock_shutdown.unwrap()(s as *mut SimSocket, how) };
                s2.count(i64::from(r));
            })?;
        }
        "poll" => {
            let n = g.range(1, 4) as usize;
            let fds: Vec<(usize, i16)> = (0..n)
                .map(|_| {
                    (
                        pick_sock(g, st, node),
                        g.pick(&[1i16, 4, 5, 0x2000, 0x7fff]),
                    )
                })
                .collect();
            let timeout = match g.below(6) {
                0 if !nonblock => None,
                1 | 2 => Some(0),
                3 => Some(g.range(1, 1000) as u64 * US),
                _ => Some(g.range(1, 200) as u64 * MS),
            };
            app_task(host, st, node, timeout != Some(0), move |e, st| {
                let mut fds: Vec<PollFd> = fds
                    .iter()
                    .map(|&(s, ev)| PollFd {
                        sock: s as *mut SimSocket,
                        events: ev,
                        revents: 0,
                    })
                    .collect();
                if let Some(h) = Host::live() {
                    let r = h.poll(e, &mut fds, timeout);
                    st.calls.set(st.calls.get() + 2 * fds.len() as u64);
                    if let Err(err) = r {
                        h.hard(err);
                    }
                }
            })?;
        }
        "netlink" => netlink_op(host, st, g, node)?,
        "frame" => {
            let devs = st.devices[ni].borrow();
            let (dev, mac) = g.pick(&devs);
            let (ip, _) = addr_of(node);
            let f = frames::frame(g, mac, ip);
            host.inject_frame(dev, f).map_err(|e| e.to_string())?;
            st.calls.set(st.calls.get() + 2);
        }
        "sysctl-read" | "sysctl-write" => {
            let names = st.sysctls.borrow();
            let mut path = if names.is_empty() || g.chance(30) {
                format!(".net.{}", g.below(1000))
            } else {
                names[g.below(names.len() as u64) as usize].clone()
            };
            let write = name == "sysctl-write";
            // Writes stay under net; a base_reachable_time of 0 makes the
            // neighbour collector spin for good, which stalls the node's
            // CPU (its own regression test covers that) and would leave
            // the rest of the run nothing to fuzz on that node.
            if write && (!path.starts_with(".net.") || path.contains("base_reachable_time")) {
                path = ".net.core.somaxconn".into();
            }
            st.calls.set(st.calls.get() + 2);
            if write {
                let v = sysctl_value(g);
                host.sysctl_set(node, &path, &v)
                    .map_err(|e| e.to_string())?;
            } else {
                host.sysctl_get(node, &path).map_err(|e| e.to_string())?;
            }
        }
        "sysfile" => {
            let names = st.sysctls.borrow();
            let net: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with(".net.") && !n.contains("base_reachable_time"))
                .collect();
            if net.is_empty() {
                return Ok(step);
            }
            let path = net[g.below(net.len() as u64) as usize].clone();
            let size = g.pick(&[-1, 0, 1, 2, 511, 512, 4096, i32::MIN]);
            let offset = g.pick(&[0, 0, 1, 2, -1, 100, 4096, i32::MAX]);
            let write = g.chance(300);
            let mut buf = vec![0u8; 4096];
            let v = sysctl_value(g).into_bytes();
            buf[..v.len().min(4096)].copy_from_slice(&v[..v.len().min(4096)]);
            let s2 = st.clone();
            dtask(host, node, move |e| {
                let (Some(file), _) = crate::sysctl::walk(e, &path) else {
                    return;
                };
                // SAFETY: `buf` is 4096 bytes, at least any size passed.
                let r = unsafe {
                    if write {
                        e.sys_file_write.unwrap()(file, buf.as_ptr().cast(), size, offset)
                    } else {
                        e.sys_file_read.unwrap()(file, buf.as_mut_ptr().cast(), size, offset)
                    }
                };
                s2.count(i64::from(r));
            })?;
        }
        "device" => {
            let devs = st.devices[ni].borrow();
            let (dev, _) = g.pick(&devs);
            let simdev = host.simdevice(dev) as usize;
            let mtu = if g.chance(500) {
                g.pick(&[1500, 1280, 576, 68, 9000, 65535])
            } else {
                g.int()
            };
            let mut mac = [0u8; 6];
            g.fill(&mut mac);
            let set_mtu = g.chance(500);
            st.calls.set(st.calls.get() + 1);
            dtask(host, node, move |e| {
                if simdev == 0 {
                    return;
                }
                let d = simdev as *mut dce_abi::SimDevice;
                // SAFETY: DCE's calls on a device it created, with a live
                // 6-byte address.
                unsafe {
                    if set_mtu {
                        e.dev_set_mtu.unwrap()(d, mtu);
                    } else {
                        e.dev_set_address.unwrap()(d, mac.as_mut_ptr());
                    }
                }
            })?;
        }
        "new-device" => {
            let mut devs = st.devices[ni].borrow_mut();
            if devs.len() <= MAX_EXTRA_DEVICES {
                let mac = [0x02, 0, 0, 0, node.0 as u8 + 1, devs.len() as u8 + 1];
                let cfg = if g.chance(500) {
                    DeviceConfig::point_to_point(mac)
                } else {
                    DeviceConfig::csma(mac)
                };
                let dev = host.add_device(node, cfg).map_err(|e| e.to_string())?;
                devs.push((dev, mac));
                st.calls.set(st.calls.get() + 3);
            }
        }
        "destroy-device" => {
            // DCE 1.12 never calls dev_destroy; another host may.  Only
            // added devices go (sim0 carries the link); they stay in the
            // list, so that later frames and changes reach a destroyed one.
            let devs = st.devices[ni].borrow();
            if devs.len() > 1 {
                let (dev, _) = devs[1 + g.below(devs.len() as u64 - 1) as usize];
                let simdev = host.simdevice(dev) as usize;
                st.calls.set(st.calls.get() + 1);
                dtask(host, node, move |e| {
                    if simdev != 0 {
                        // SAFETY: a device DCE created (maybe destroyed
                        // already: the library checks).
                        unsafe { e.dev_destroy.unwrap()(simdev as *mut dce_abi::SimDevice) };
                    }
                })?;
            }
        }
        "cradle" => {
            let s = pick_sock(g, st, node);
            let send = g.chance(500);
            let m = MsgSpec::new(g, send, true);
            let (level, opt) = gen::sockopt_name(g, true);
            let what = g.below(4);
            let s2 = st.clone();
            host.run_fiberless(node, 0, move |_, e| {
                let s = s as *mut SimSocket;
                let r = match what {
                    0 => m.call(&e, s, true) as i64,
                    1 => m.call(&e, s, false) as i64,
                    2 => {
                        let mut v = [0u8; 256];
                        let mut len = 256;
                        // SAFETY: 256 bytes for at most 256.
                        i64::from(unsafe {
                            e.sock_getsockopt.unwrap()(
                                s,
                                level,
                                opt,
                                v.as_mut_ptr().cast(),
                                &mut len,
                            )
                        })
                    }
                    _ => {
                        let mut n: *mut SimSocket = core::ptr::null_mut();
                        // SAFETY: as DCE calls it, non-blocking.
                        let r = unsafe { e.sock_accept.unwrap()(s, &mut n, 0o4000) };
                        if r == 0 {
                            s2.socks[ni].borrow_mut().push(n as usize);
                        }
                        i64::from(r)
                    }
                };
                s2.count(r);
            })
            .map_err(|e| e.to_string())?;
        }
        "sleep" => {
            return Ok(g.pick(&[MS, 10 * MS, 100 * MS, SEC, 5 * SEC]));
        }
        _ => unreachable!("unknown kind {name}"),
    }
    Ok(step)
}

/// Starts `f` in a new application task of `node`, now, with the shared
/// state; a task that may block in it is counted, so that the fuzzer stops
/// blocking past [`MAX_BLOCKED`].
fn app_task(
    host: &Host,
    st: &Rc<State>,
    node: NodeId,
    may_block: bool,
    f: impl FnOnce(&SimExported, &State) + 'static,
) -> Result<(), String> {
    let s2 = st.clone();
    if may_block {
        st.blocked.set(st.blocked.get() + 1);
    }
    in_task(host, node, move |_, e| {
        f(e, &s2);
        if may_block {
            s2.blocked.set(s2.blocked.get() - 1);
        }
    })?;
    Ok(())
}

/// Runs `f` in a D-task of `node` (as DCE's sysctl and device calls run).
fn dtask(host: &Host, node: NodeId, f: impl FnOnce(&SimExported) + 'static) -> Result<(), String> {
    let hp: *const Host = host;
    host.dtask(node, move |_| {
        // SAFETY: the host outlives its simulator's tasks.
        if let Some(e) = unsafe { (*hp).exported(node) } {
            f(&e);
        }
    })
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// A value to write to a sysctl.
fn sysctl_value(g: &mut Gen) -> String {
    match g.below(8) {
        0 => "0".into(),
        1 => "1".into(),
        2 => g.int().to_string(),
        3 => format!(
            "{} {} {}",
            g.below(1 << 20),
            g.below(1 << 22),
            g.below(1 << 24)
        ),
        4 => "".into(),
        5 => "9".repeat(g.range(1, 700) as usize),
        6 => g
            .pick(&["reno", "cubic", "bbr", "fq_codel", "pfifo_fast", "x"])
            .into(),
        _ => (0..g.below(40))
            .map(|_| (0x20 + g.below(95) as u8) as char)
            .collect(),
    }
}

/// A netlink request on a netlink socket of `node` (created and bound
/// first when it has none or now and then), then its answers read
/// without waiting.
fn netlink_op(host: &Host, st: &Rc<State>, g: &mut Gen, node: NodeId) -> Result<(), String> {
    let ni = node.0 as usize;
    let existing = st.netlink[ni].borrow().clone();
    let proto = if existing.is_empty() || g.chance(50) {
        g.pick(&[
            libc::NETLINK_ROUTE,
            libc::NETLINK_ROUTE,
            libc::NETLINK_GENERIC,
        ])
    } else {
        g.pick(&existing).1
    };
    let reuse = existing
        .iter()
        .copied()
        .find(|&(_, p)| p == proto)
        .map(|x| x.0);
    let reuse = if g.chance(50) { None } else { reuse };
    st.seq.set(st.seq.get().wrapping_add(1));
    let msg = netlink::request(g, proto, st.seq.get());
    let groups = if g.chance(200) { g.u32() } else { 0 };
    app_task(host, st, node, false, move |e, s2| {
        let s = match reuse {
            Some(s) => s as *mut SimSocket,
            None => {
                let mut s: *mut SimSocket = core::ptr::null_mut();
                // SAFETY: a live out slot.
                let r = unsafe {
                    e.sock_socket.unwrap()(libc::AF_NETLINK, libc::SOCK_RAW, proto, &mut s)
                };
                s2.count(i64::from(r));
                if r != 0 {
                    return;
                }
                s2.netlink[ni].borrow_mut().push((s as usize, proto));
                let mut a = [0u8; 12];
                a[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
                a[8..].copy_from_slice(&groups.to_ne_bytes());
                // SAFETY: a 12-byte sockaddr_nl.
                let r = unsafe { e.sock_bind.unwrap()(s, a.as_ptr().cast(), 12) };
                s2.count(i64::from(r));
                s
            }
        };
        let mut msg = msg;
        let mut iov = libc::iovec {
            iov_base: msg.as_mut_ptr().cast(),
            iov_len: msg.len(),
        };
        // SAFETY: an all-zero msghdr is valid.
        let mut h: libc::msghdr = unsafe { core::mem::zeroed() };
        h.msg_iov = &mut iov;
        h.msg_iovlen = 1;
        // SAFETY: `h` points to live buffers of the lengths given.
        let r = unsafe {
            e.sock_sendmsg.unwrap()(s, (&h as *const libc::msghdr).cast(), libc::MSG_DONTWAIT)
        };
        s2.count(r as i64);
        let mut buf = vec![0u8; 32 << 10];
        for _ in 0..4 {
            let mut iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            };
            h.msg_iov = &mut iov;
            // SAFETY: as above, writable.
            let r = unsafe {
                e.sock_recvmsg.unwrap()(
                    s,
                    (&mut h as *mut libc::msghdr).cast::<MsgHdr>(),
                    libc::MSG_DONTWAIT,
                )
            };
            s2.count(r as i64);
            if r <= 0 {
                break;
            }
        }
    })?;
    Ok(())
}

/// The buffers and lengths of one `sendmsg`/`recvmsg`: an address, 0 to
/// 64 iovecs into one data buffer (or more than `UIO_MAXIOV`, which the
/// kernel refuses before reading them), control messages, flags.
struct MsgSpec {
    name: Option<([u8; gen::ADDR_BUF], i32)>,
    data: Vec<u8>,
    /// `(offset, len)` into `data`; `None`: a NULL base of length 0.
    iov: Vec<Option<(usize, usize)>>,
    /// `msg_iovlen` (more than `iov.len()` only past UIO_MAXIOV).
    iovlen: usize,
    control: Vec<u8>,
    controllen: usize,
    flags: i32,
}

const DATA_BUF: usize = 64 << 10;

impl MsgSpec {
    fn new(g: &mut Gen, send: bool, nonblock: bool) -> MsgSpec {
        let name = g
            .chance(if send { 500 } else { 700 })
            .then(|| gen::sockaddr(g));
        let mut data = vec![0u8; DATA_BUF];
        if send {
            g.fill(&mut data[..4096]);
        }
        let n = match g.below(20) {
            0 => 0,
            1 => 1025,
            2..=4 => g.range(2, 64) as usize,
            _ => 1,
        };
        let mut iov = Vec::with_capacity(n);
        let mut at = 0;
        for _ in 0..n {
            if g.chance(50) {
                iov.push(None);
                continue;
            }
            let len = g.len(DATA_BUF - at).min(if n > 64 { 16 } else { DATA_BUF });
            iov.push(Some((at, len)));
            at += len;
        }
        let iovlen = if n == 1025 && g.chance(300) {
            1 << 20
        } else {
            n
        };
        let control = if g.chance(200) {
            if send {
                gen::cmsgs(g)
            } else {
                vec![0u8; g.pick(&[16usize, 64, 512])]
            }
        } else {
            Vec::new()
        };
        let controllen = if g.chance(30) {
            g.pick(&[1usize << 31, usize::MAX])
        } else if !control.is_empty() && g.chance(100) {
            g.below(control.len() as u64) as usize
        } else {
            control.len()
        };
        MsgSpec {
            name,
            data,
            iov,
            iovlen,
            control,
            controllen,
            flags: gen::msg_flags(g, nonblock),
        }
    }

    /// `sock_sendmsg` or `sock_recvmsg` on `s`.
    fn call(mut self, e: &SimExported, s: *mut SimSocket, send: bool) -> isize {
        let base = self.data.as_mut_ptr();
        let iov: Vec<libc::iovec> = self
            .iov
            .iter()
            .map(|v| match *v {
                Some((off, len)) => libc::iovec {
                    // SAFETY: `off + len` is within `data`.
                    iov_base: unsafe { base.add(off) }.cast::<c_void>(),
                    iov_len: len,
                },
                None => libc::iovec {
                    iov_base: core::ptr::null_mut(),
                    iov_len: 0,
                },
            })
            .collect();
        // SAFETY: an all-zero msghdr is valid.
        let mut h: libc::msghdr = unsafe { core::mem::zeroed() };
        if let Some((a, len)) = &mut self.name {
            h.msg_name = a.as_mut_ptr().cast();
            h.msg_namelen = *len as u32;
        }
        h.msg_iov = iov.as_ptr().cast_mut();
        h.msg_iovlen = self.iovlen;
        if !self.control.is_empty() || self.controllen > self.control.len() {
            h.msg_control = if self.control.is_empty() {
                base.cast()
            } else {
                self.control.as_mut_ptr().cast()
            };
            h.msg_controllen = self.controllen;
        }
        // SAFETY: every pointer in `h` points into a live buffer at least
        // as long as the length given with it, but lengths the kernel
        // refuses before reading (iovlen past UIO_MAXIOV, controllen past
        // INT_MAX, namelen past sockaddr_storage).
        unsafe {
            if send {
                e.sock_sendmsg.unwrap()(s, (&h as *const libc::msghdr).cast(), self.flags)
            } else {
                e.sock_recvmsg.unwrap()(s, (&mut h as *mut libc::msghdr).cast(), self.flags)
            }
        }
    }
}
