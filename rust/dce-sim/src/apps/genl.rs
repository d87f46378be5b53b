//! A generic netlink client, as iproute2's `ip mptcp`, `ip l2tp` and
//! `ip fou` use one: the family's id is resolved by name through the
//! controller (`CTRL_CMD_GETFAMILY`), then every request is a `struct
//! genlmsghdr` (command, version) and attributes, sent with `NLM_F_ACK`
//! and answered by an `NLMSG_ERROR` over an [`Rtnl`] socket of protocol
//! `NETLINK_GENERIC`.

use super::rtnl::{attrs, Request, Rtnl};
use super::sock::Errno;
use dce_abi::SimExported;

/// `GENL_ID_CTRL`: the controller's own family id.
pub const GENL_ID_CTRL: u16 = 0x10;
/// `CTRL_CMD_GETFAMILY`.
pub const CTRL_CMD_GETFAMILY: u8 = 3;
/// `CTRL_ATTR_FAMILY_ID` (`u16`).
pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// `CTRL_ATTR_FAMILY_NAME` (NUL-terminated string).
pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;
/// `CTRL_ATTR_VERSION` (`u32`).
pub const CTRL_ATTR_VERSION: u16 = 3;
/// `NLA_F_NESTED`: set on nested attributes, as the kernel's strict
/// validation of newer families requires.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// `sizeof(struct genlmsghdr)`.
pub const GENL_HDRLEN: usize = 4;

/// A resolved family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    /// Its id: the `nlmsg_type` of its messages.
    pub id: u16,
    /// The version it announced, sent back in every request's header.
    pub version: u8,
}

/// A `NETLINK_GENERIC` socket.
pub struct Genl {
    nl: Rtnl,
}

impl Genl {
    /// Opens and binds the socket.
    pub fn open(e: &SimExported) -> Result<Genl, Errno> {
        Ok(Genl {
            nl: Rtnl::open_protocol(e, libc::NETLINK_GENERIC)?,
        })
    }

    /// A request of `family` for `cmd`: add attributes, then
    /// [`Genl::request`] it.
    pub fn message(family: Family, cmd: u8) -> Request {
        Request::new(family.id, libc::NLM_F_REQUEST as u16).push(&[cmd, family.version, 0, 0])
    }

    /// Resolves `name` (`ENOENT` if the kernel has no such family, as
    /// `genl_ctrl_resolve` reports it).
    pub fn family(&mut self, name: &str) -> Result<Family, Errno> {
        let mut z = name.as_bytes().to_vec();
        z.push(0);
        let ctrl = Family {
            id: GENL_ID_CTRL,
            version: 1,
        };
        let req = Genl::message(ctrl, CTRL_CMD_GETFAMILY).attr(CTRL_ATTR_FAMILY_NAME, &z);
        // With NLM_F_ACK, the ACK after the answer ends the exchange.
        let flags = req.flags() | libc::NLM_F_ACK as u16;
        let req = req.with_flags(flags);
        let mut found = None;
        self.nl.transact(req, |m| {
            let body = m.payload.get(GENL_HDRLEN..).ok_or(Errno(libc::EPROTO))?;
            let mut id = None;
            let mut version = 1;
            for (ty, v) in attrs(body) {
                match (ty, v.len()) {
                    (CTRL_ATTR_FAMILY_ID, 2..) => id = Some(u16::from_ne_bytes([v[0], v[1]])),
                    (CTRL_ATTR_VERSION, 4..) => {
                        version = u32::from_ne_bytes([v[0], v[1], v[2], v[3]]) as u8
                    }
                    _ => {}
                }
            }
            found = id.map(|id| Family { id, version });
            Ok(())
        })?;
        found.ok_or(Errno(libc::EPROTO))
    }

    /// Sends `req` (from [`Genl::message`]) with `NLM_F_ACK`: `Ok` on the
    /// kernel's ACK, its error otherwise.
    pub fn request(&mut self, req: Request) -> Result<(), Errno> {
        self.nl.request(req)
    }

    /// Sends `req` and collects the attributes (after the `genlmsghdr`)
    /// of every answer before the ACK or the end of a dump.
    pub fn query(&mut self, req: Request) -> Result<Vec<Vec<u8>>, Errno> {
        let flags = req.flags() | libc::NLM_F_ACK as u16;
        let mut out = Vec::new();
        self.nl.transact(req.with_flags(flags), |m| {
            let body = m.payload.get(GENL_HDRLEN..).ok_or(Errno(libc::EPROTO))?;
            out.push(body.to_vec());
            Ok(())
        })?;
        Ok(out)
    }
}
