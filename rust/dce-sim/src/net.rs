//! Network devices and links: what ns-3's NetDevices and channels do for
//! DCE (Documentation/dce/abi.rst, "Devices and frames").
//!
//! * [`Host::add_device`] does what DCE does when a NetDevice is added to a
//!   node: in a D-task on the node, `dev_create("sim%d", priv, flags)`,
//!   then `dev_set_address` and `dev_set_mtu`.  `priv` identifies our
//!   device, and `dev_xmit` finds it again through the library's
//!   `dev_get_private`, as DCE does.
//! * [`Host::connect_p2p`] and [`Host::connect_segment`] attach devices to
//!   a [`link::PointToPoint`] or a [`link::Segment`]; each link has its own
//!   random stream for losses, seeded from the run's seed, so the kernels'
//!   own streams are not disturbed.
//! * A frame the library sends goes through the link model; at its arrival
//!   time an event on the receiving node does what DCE's `RxFromDevice`
//!   does, in event context: `dev_create_packet(dev, len)`, copy the frame
//!   with the Ethernet header as ns-3 reports it, `dev_rx(dev, pkt)`.  On
//!   a point-to-point link ns-3 reports the receiving device's own address
//!   as destination, so the header is rewritten to `h_dest` = receiver,
//!   `h_source` = sender; on a segment `h_dest` is kept (every port
//!   receives every frame, promiscuously) and `h_source` is the sender's.
//! * Like ns-3's PointToPointNetDevice, a point-to-point device accepts
//!   only IPv4 and IPv6: any other EtherType is a hard error (DCE asserts).
//!   Frames longer than MTU + 14 are dropped and counted, as ns-3's `Send`
//!   refuses them.
//! * [`Host::enable_pcap`]: one pcap file per device (Ethernet, nanosecond
//!   timestamps); a frame is recorded when the library sends it and when
//!   it is delivered.

use crate::abi::{AbiError, Host};
use crate::link::{self, Dir, PointToPoint, PointToPointConfig, Segment, SegmentConfig, Verdict};
use crate::pcap::PcapWriter;
use crate::rng::NodeRng;
use crate::{NodeId, Sim, SimError};
use core::ffi::{c_int, c_void};
use dce_abi::{SimDevFlags, SimDevice};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A device added with [`Host::add_device`]: its node and its index among
/// that node's devices (`simN` in creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceId {
    /// The node.
    pub node: NodeId,
    /// Position among the node's devices (0 for the first: `sim0`).
    pub index: u32,
    global: usize,
}

/// How a device looks to DCE (the ns-3 NetDevice's properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceConfig {
    /// Flags passed to `dev_create`.
    pub flags: SimDevFlags,
    /// MAC address passed to `dev_set_address`.
    pub mac: [u8; 6],
    /// L3 MTU passed to `dev_set_mtu`.
    pub mtu: u32,
}

impl DeviceConfig {
    /// A point-to-point device as DCE describes it: MULTICAST | BROADCAST |
    /// NOARP, MTU 1500.
    pub fn point_to_point(mac: [u8; 6]) -> Self {
        DeviceConfig {
            flags: SimDevFlags::MULTICAST | SimDevFlags::BROADCAST | SimDevFlags::NOARP,
            mac,
            mtu: 1500,
        }
    }

    /// A CSMA (Ethernet segment) device: MULTICAST | BROADCAST, ARP on, MTU
    /// 1500.
    pub fn csma(mac: [u8; 6]) -> Self {
        DeviceConfig {
            flags: SimDevFlags::MULTICAST | SimDevFlags::BROADCAST,
            mac,
            mtu: 1500,
        }
    }
}

/// Frame counters of a device, as the simulator saw them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Frames the library sent (`dev_xmit` calls).
    pub tx_frames: u64,
    /// Bytes of those frames, Ethernet headers included.
    pub tx_bytes: u64,
    /// Frames handed to the library (`dev_rx` calls).
    pub rx_frames: u64,
    /// Bytes of those frames.
    pub rx_bytes: u64,
    /// Frames longer than MTU + 14, refused.
    pub tx_oversize: u64,
    /// Frames sent while the device was attached to no link.
    pub tx_unconnected: u64,
    /// Frames dropped by the link: queue full.
    pub link_queue_drops: u64,
    /// Frames lost on the link.
    pub link_losses: u64,
}

#[derive(Debug, Clone, Copy)]
enum Attachment {
    None,
    P2p { link: usize, dir: Dir },
    Segment { seg: usize, port: usize },
}

struct Device {
    id: DeviceId,
    config: DeviceConfig,
    simdev: *mut SimDevice,
    attachment: Attachment,
    stats: DeviceStats,
    pcap: Option<PcapWriter>,
    /// Sees every frame the device sends, as the pcap file does.
    observer: Option<Observer>,
}

/// What [`Host::observe_transmit`] calls: `(now, frame)`.
type Observer = Box<dyn FnMut(u64, &[u8])>;

struct P2pLink {
    model: PointToPoint,
    ends: [usize; 2],
    rng: NodeRng,
}

struct SegLink {
    model: Segment,
    ports: Vec<usize>,
    rng: NodeRng,
}

/// The network of a [`Host`].
#[derive(Default)]
pub(crate) struct Net {
    devices: Vec<Device>,
    p2p: Vec<P2pLink>,
    segments: Vec<SegLink>,
    pcap_dir: Option<(PathBuf, String)>,
    links_made: u64,
    /// Devices added before their node's `sim_init` returned.
    pending: Vec<(DeviceId, DeviceConfig)>,
}

/// `priv` of device `global`: never NULL.
fn priv_of(global: usize) -> *mut c_void {
    (global + 1) as *mut c_void
}

const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;

/// A frame the link will hand to a device: DCE's `RxFromDevice` at `at`.
pub(crate) struct Delivery {
    /// The receiving device.
    to: usize,
    /// Its node.
    node: NodeId,
    /// Virtual time of arrival.
    at: u64,
    /// The frame as ns-3 reports it to DCE.
    frame: Rc<Vec<u8>>,
}

/// Why a frame from the library cannot be sent: what DCE would do.
pub(crate) struct XmitError(String);

impl Net {
    fn link_rng(&mut self, seed: u64) -> NodeRng {
        // Streams far away from the nodes' (which use the node id).
        let stream = (1u64 << 32) + self.links_made;
        self.links_made += 1;
        NodeRng::new(seed, NodeId((stream & 0xffff_ffff) as u32 | 0x8000_0000))
    }

    fn pcap_for(&self, d: &DeviceId) -> Option<PathBuf> {
        self.pcap_dir
            .as_ref()
            .map(|(dir, prefix)| dir.join(format!("{prefix}-{}-{}.pcap", d.node.0, d.index)))
    }

    /// A new device of `node` (`simN` in order); with `pending`, kept for
    /// [`take_pending`](Self::take_pending).
    fn add(
        &mut self,
        node: NodeId,
        config: DeviceConfig,
        pending: bool,
    ) -> Result<DeviceId, AbiError> {
        let index = self.devices.iter().filter(|d| d.id.node == node).count() as u32;
        let id = DeviceId {
            node,
            index,
            global: self.devices.len(),
        };
        let pcap = match self.pcap_for(&id) {
            Some(path) => {
                Some(PcapWriter::create(&path).map_err(|err| AbiError::Io { path, err })?)
            }
            None => None,
        };
        self.devices.push(Device {
            id,
            config,
            simdev: core::ptr::null_mut(),
            attachment: Attachment::None,
            stats: DeviceStats::default(),
            pcap,
            observer: None,
        });
        if pending {
            self.pending.push((id, config));
        }
        Ok(id)
    }

    /// The devices of `node` added before its `sim_init` returned.
    fn take_pending(&mut self, node: NodeId) -> Vec<(DeviceId, DeviceConfig)> {
        let (mine, rest) = self.pending.drain(..).partition(|(d, _)| d.node == node);
        self.pending = rest;
        mine
    }

    fn check_free(&self, dev: DeviceId) -> Result<(), AbiError> {
        match self.devices.get(dev.global) {
            Some(d) if d.id == dev => match d.attachment {
                Attachment::None => Ok(()),
                _ => Err(AbiError::Net(format!(
                    "device {} of node {} is already attached to a link",
                    dev.index, dev.node
                ))),
            },
            _ => Err(AbiError::Net(format!("no device {dev:?}"))),
        }
    }

    fn connect_p2p(
        &mut self,
        a: DeviceId,
        b: DeviceId,
        config: PointToPointConfig,
        seed: u64,
    ) -> Result<(), AbiError> {
        let model = PointToPoint::new(config).map_err(|e| AbiError::Net(e.to_string()))?;
        self.check_free(a)?;
        self.check_free(b)?;
        if a == b {
            return Err(AbiError::Net("a link needs two different devices".into()));
        }
        let rng = self.link_rng(seed);
        let link = self.p2p.len();
        self.p2p.push(P2pLink {
            model,
            ends: [a.global, b.global],
            rng,
        });
        self.devices[a.global].attachment = Attachment::P2p {
            link,
            dir: Dir::AToB,
        };
        self.devices[b.global].attachment = Attachment::P2p {
            link,
            dir: Dir::BToA,
        };
        Ok(())
    }

    fn connect_segment(
        &mut self,
        devices: &[DeviceId],
        mut config: SegmentConfig,
        seed: u64,
    ) -> Result<(), AbiError> {
        config.ports = devices.len();
        let model = Segment::new(config).map_err(|e| AbiError::Net(e.to_string()))?;
        for (i, d) in devices.iter().enumerate() {
            self.check_free(*d)?;
            if devices[..i].contains(d) {
                return Err(AbiError::Net(format!("device {d:?} listed twice")));
            }
        }
        let rng = self.link_rng(seed);
        let seg = self.segments.len();
        self.segments.push(SegLink {
            model,
            ports: devices.iter().map(|d| d.global).collect(),
            rng,
        });
        for (port, d) in devices.iter().enumerate() {
            self.devices[d.global].attachment = Attachment::Segment { seg, port };
        }
        Ok(())
    }

    fn enable_pcap(&mut self, dir: &Path, prefix: &str) -> Result<(), AbiError> {
        std::fs::create_dir_all(dir).map_err(|err| AbiError::Io {
            path: dir.to_owned(),
            err,
        })?;
        self.pcap_dir = Some((dir.to_owned(), prefix.to_owned()));
        for i in 0..self.devices.len() {
            if self.devices[i].pcap.is_none() {
                let path = self.pcap_for(&self.devices[i].id).expect("pcap dir set");
                let w = PcapWriter::create(&path).map_err(|err| AbiError::Io { path, err })?;
                self.devices[i].pcap = Some(w);
            }
        }
        Ok(())
    }

    fn finish_pcap(&mut self) -> Result<(), AbiError> {
        for i in 0..self.devices.len() {
            if let Some(w) = self.devices[i].pcap.take() {
                let path = self.pcap_for(&self.devices[i].id).unwrap_or_default();
                w.finish().map_err(|err| AbiError::Io { path, err })?;
            }
        }
        self.pcap_dir = None;
        Ok(())
    }

    /// A frame device `private` (from `dev_get_private`) of `node` sends
    /// at `now`: captured and counted, then given to its link, which says
    /// where and when it arrives.
    fn transmit(
        &mut self,
        node: NodeId,
        private: *mut c_void,
        frame: &[u8],
        now: u64,
    ) -> Result<Vec<Delivery>, XmitError> {
        let global = (private as usize).wrapping_sub(1);
        let Some(dev) = self.devices.get_mut(global).filter(|d| d.id.node == node) else {
            return Err(XmitError(format!(
                "dev_xmit() on a device whose dev_get_private() is {private:p}, not a \
                 NetDevice of this node"
            )));
        };
        if let Some(w) = dev.pcap.as_mut() {
            let _ = w.write(now, frame);
        }
        if let Some(f) = dev.observer.as_mut() {
            f(now, frame);
        }
        dev.stats.tx_frames += 1;
        dev.stats.tx_bytes += frame.len() as u64;
        if frame.len() > dev.config.mtu as usize + 14 {
            dev.stats.tx_oversize += 1;
            return Ok(Vec::new());
        }
        let proto = u16::from_be_bytes([frame[12], frame[13]]);
        let src_mac = dev.config.mac;
        let (verdict, to, f) = match dev.attachment {
            Attachment::None => {
                dev.stats.tx_unconnected += 1;
                return Ok(Vec::new());
            }
            Attachment::P2p { link, dir } => {
                if proto != ETH_P_IP && proto != ETH_P_IPV6 {
                    return Err(XmitError(format!(
                        "dev_xmit() of EtherType {proto:#06x} on a point-to-point device \
                         (ns-3's PointToPointNetDevice asserts: IPv4 and IPv6 only)"
                    )));
                }
                let l = &mut self.p2p[link];
                let rng = &mut l.rng;
                let verdict = l.model.send(dir, now, frame.len(), &mut || rng.next_u64());
                let to = l.ends[match dir {
                    Dir::AToB => 1,
                    Dir::BToA => 0,
                }];
                let to_mac = self.devices[to].config.mac;
                let mut f = frame.to_vec();
                f[0..6].copy_from_slice(&to_mac);
                f[6..12].copy_from_slice(&src_mac);
                (verdict, vec![to], f)
            }
            Attachment::Segment { seg, port } => {
                let s = &mut self.segments[seg];
                let rng = &mut s.rng;
                let verdict = s.model.send(port, now, frame.len(), &mut || rng.next_u64());
                let to: Vec<usize> = s.model.receivers(port).map(|p| s.ports[p]).collect();
                let mut f = frame.to_vec();
                f[6..12].copy_from_slice(&src_mac);
                (verdict, to, f)
            }
        };
        let from = &mut self.devices[global].stats;
        match verdict {
            Verdict::Dropped(link::DropReason::QueueFull) => {
                from.link_queue_drops += 1;
                Ok(Vec::new())
            }
            Verdict::Dropped(link::DropReason::Loss) => {
                from.link_losses += 1;
                Ok(Vec::new())
            }
            Verdict::Deliver { at } => {
                let frame = Rc::new(f);
                Ok(to
                    .into_iter()
                    .map(|t| Delivery {
                        to: t,
                        node: self.devices[t].id.node,
                        at,
                        frame: frame.clone(),
                    })
                    .collect())
            }
        }
    }

    /// A frame arrives at device `global` at `now`: captured and counted;
    /// the library's device, if it has one yet.
    fn receive(&mut self, global: usize, frame: &[u8], now: u64) -> *mut SimDevice {
        let d = &mut self.devices[global];
        if let Some(w) = d.pcap.as_mut() {
            let _ = w.write(now, frame);
        }
        d.stats.rx_frames += 1;
        d.stats.rx_bytes += frame.len() as u64;
        d.simdev
    }
}

/// The network as the rest of the host uses it: DCE's device creation in
/// D-tasks, and each delivery as an event of the receiving node that does
/// what DCE's `RxFromDevice` does.
impl Host {
    /// Adds a device to `node`, created the way DCE does it (see the
    /// [module docs](self)) by a D-task queued now, or, before the node's
    /// `sim_init` has returned, right after it returns (DCE's device
    /// listener replays the devices then); the device exists once the
    /// simulation has run that task.
    pub fn add_device(&self, node: NodeId, config: DeviceConfig) -> Result<DeviceId, AbiError> {
        if self.exported(node).is_none() {
            return Err(AbiError::Sim(SimError::UnknownNode { node }));
        }
        let pending = !self.node_initialized(node);
        let id = self.net.borrow_mut().add(node, config, pending)?;
        if !pending {
            self.start_device_task(id, config)?;
        }
        Ok(id)
    }

    fn start_device_task(&self, id: DeviceId, config: DeviceConfig) -> Result<(), SimError> {
        let hp: *const Host = self;
        self.dtask(id.node, move |_: &Sim| {
            // SAFETY: the host outlives its simulator's tasks.
            let host = unsafe { &*hp };
            host.create_device(id, config);
        })?;
        Ok(())
    }

    /// Queues the creation of the devices added to `node` before its
    /// `sim_init` returned, in order.
    pub(crate) fn start_pending_devices(&self, node: NodeId) {
        let mine = self.net.borrow_mut().take_pending(node);
        for (id, config) in mine {
            if let Err(e) = self.start_device_task(id, config) {
                self.hard(e);
            }
        }
    }

    /// Body of the D-task of [`add_device`](Self::add_device).
    fn create_device(&self, id: DeviceId, config: DeviceConfig) {
        let Some(e) = self.exported(id.node) else {
            return;
        };
        let (Some(create), Some(set_address), Some(set_mtu)) =
            (e.dev_create, e.dev_set_address, e.dev_set_mtu)
        else {
            return;
        };
        // SAFETY: DCE's calls from a D-task of the node: a constant name,
        // our `priv`, then a 6-byte address and the MTU.
        let simdev = unsafe { create(c"sim%d".as_ptr(), priv_of(id.global), config.flags) };
        if simdev.is_null() {
            self.hard(SimError::Abi {
                node: Some(id.node),
                msg: "dev_create() returned NULL (DCE would store and later use it)".into(),
            });
        }
        self.net.borrow_mut().devices[id.global].simdev = simdev;
        let mut mac = config.mac;
        // SAFETY: as above; `mac` is a live local array.
        unsafe {
            set_address(simdev, mac.as_mut_ptr());
            set_mtu(simdev, config.mtu as c_int);
        }
    }

    /// The library's `SimDevice*` of `dev` (NULL until created).
    pub fn simdevice(&self, dev: DeviceId) -> *mut SimDevice {
        self.net
            .borrow()
            .devices
            .get(dev.global)
            .map_or(core::ptr::null_mut(), |d| d.simdev)
    }

    /// The counters of `dev`.
    pub fn device_stats(&self, dev: DeviceId) -> DeviceStats {
        self.net
            .borrow()
            .devices
            .get(dev.global)
            .map(|d| d.stats)
            .unwrap_or_default()
    }

    /// Joins `a` and `b` with a point-to-point link.
    pub fn connect_p2p(
        &self,
        a: DeviceId,
        b: DeviceId,
        config: PointToPointConfig,
    ) -> Result<(), AbiError> {
        let seed = self.sim().config().seed;
        self.net.borrow_mut().connect_p2p(a, b, config, seed)
    }

    /// Sets the loss probability of the point-to-point link `dev` is
    /// attached to, both ways, from the next frame on
    /// ([`PointToPoint::set_loss`]): `1.0` cuts it.
    pub fn set_p2p_loss(&self, dev: DeviceId, loss: f64) -> Result<(), AbiError> {
        let mut net = self.net.borrow_mut();
        let link = match net.devices.get(dev.global).map(|d| d.attachment) {
            Some(Attachment::P2p { link, .. }) => link,
            _ => {
                return Err(AbiError::Net(format!(
                    "{dev:?} is not on a point-to-point link"
                )))
            }
        };
        net.p2p[link]
            .model
            .set_loss(loss)
            .map_err(|e| AbiError::Net(e.to_string()))
    }

    /// Attaches `devices` to one shared segment (`config.ports` is set to
    /// their number).
    pub fn connect_segment(
        &self,
        devices: &[DeviceId],
        config: SegmentConfig,
    ) -> Result<(), AbiError> {
        let seed = self.sim().config().seed;
        self.net.borrow_mut().connect_segment(devices, config, seed)
    }

    /// Writes a pcap file per device, `dir/<prefix>-<node>-<index>.pcap`,
    /// for the devices that exist and those added later.
    pub fn enable_pcap(&self, dir: &Path, prefix: &str) -> Result<(), AbiError> {
        self.net.borrow_mut().enable_pcap(dir, prefix)
    }

    /// Calls `f(now, frame)` for every frame `dev` sends from now on,
    /// where a pcap file would record it (before its link decides its
    /// fate), in place of an earlier observer.  `f` must not call back
    /// into the host.
    pub fn observe_transmit(&self, dev: DeviceId, f: impl FnMut(u64, &[u8]) + 'static) {
        if let Some(d) = self.net.borrow_mut().devices.get_mut(dev.global) {
            d.observer = Some(Box::new(f));
        }
    }

    /// Flushes and closes every pcap file.
    pub fn finish_pcap(&self) -> Result<(), AbiError> {
        self.net.borrow_mut().finish_pcap()
    }

    /// `dev_xmit` of `frame` by device `priv` (from `dev_get_private`) of
    /// `node`, at the current time.
    pub(crate) fn transmit(&self, node: NodeId, private: *mut c_void, frame: &[u8]) {
        let now = self.sim().now();
        let r = self.net.borrow_mut().transmit(node, private, frame, now);
        let deliveries = match r {
            Ok(d) => d,
            Err(XmitError(msg)) => self.hard(SimError::Abi {
                node: Some(node),
                msg,
            }),
        };
        for d in deliveries {
            let hp: *const Host = self;
            let r = self.sim().schedule(d.node, d.at - now, move |_: &Sim| {
                // SAFETY: the host outlives its simulator's events.
                let host = unsafe { &*hp };
                host.deliver(d.to, &d.frame);
            });
            if let Err(e) = r {
                self.hard(e);
            }
        }
    }

    /// Hands `frame` to `dev`'s library as if its link delivered it now:
    /// `dev_create_packet` and `dev_rx` from an event of the node.
    pub fn inject_frame(&self, dev: DeviceId, frame: Vec<u8>) -> Result<(), SimError> {
        let hp: *const Host = self;
        self.sim().schedule(dev.node, 0, move |_| {
            // SAFETY: the host outlives its simulator's events.
            unsafe { (*hp).deliver(dev.global, &frame) }
        })?;
        Ok(())
    }

    /// DCE's `RxFromDevice`, in event context on the receiving node.
    fn deliver(&self, global: usize, frame: &[u8]) {
        let now = self.sim().now();
        let (node, simdev) = {
            let mut net = self.net.borrow_mut();
            let simdev = net.receive(global, frame, now);
            (net.devices[global].id.node, simdev)
        };
        if simdev.is_null() {
            return;
        }
        let Some(e) = self.exported(node) else {
            return;
        };
        let (Some(create_packet), Some(rx)) = (e.dev_create_packet, e.dev_rx) else {
            return;
        };
        let frame = frame.to_vec();
        self.run_event(move || {
            // SAFETY: DCE's receive path in M context: a packet of the
            // frame's size, filled, then handed over (ownership passes to
            // the library).
            unsafe {
                let pkt = create_packet(simdev, frame.len() as c_int);
                if pkt.buffer.is_null() {
                    return;
                }
                core::ptr::copy_nonoverlapping(frame.as_ptr(), pkt.buffer.cast(), frame.len());
                rx(simdev, pkt);
            }
        });
    }
}
