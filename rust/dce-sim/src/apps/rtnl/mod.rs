//! An iproute2-style rtnetlink client: what `ip link set`, `ip addr add`,
//! `ip route add` and the `show` commands send to the kernel
//! (Documentation/dce/abi.rst, "Configuration through the kernel"), over
//! an `AF_NETLINK`/`SOCK_RAW`/`NETLINK_ROUTE` [`Socket`](crate::apps::sock::Socket).
//!
//! The messages are encoded and decoded by hand, in safe Rust over byte
//! buffers, in native byte order with the netlink alignment rules
//! (`NLMSG_ALIGN` and `RTA_ALIGN`: 4 bytes).  Like iproute2, [`Rtnl`]
//! binds to `nl_pid` 0 (the kernel picks the port id), sends every request
//! to the kernel (`nl_pid` 0) with a fresh sequence number, and reads the
//! answers with blocking `recvmsg`: changes carry `NLM_F_REQUEST |
//! NLM_F_ACK` and end with an `NLMSG_ERROR` (error 0 is the ACK, anything
//! else is returned as [`Errno`](crate::apps::sock::Errno)); dumps carry `NLM_F_REQUEST | NLM_F_DUMP`
//! and end with `NLMSG_DONE`.  A reply whose sender address is not
//! `sizeof(struct sockaddr_nl)` long is `EPROTO`, as iproute2 rejects it.
//!
//! `wire.rs` is the message format, `client.rs` the client over it.

mod client;
mod wire;

pub use client::*;
pub use wire::*;

#[cfg(test)]
mod tests {
    use super::client::REQ_ACK;
    use super::*;
    use crate::apps::sock::Errno;

    #[test]
    fn requests_are_aligned() {
        let msg = Request::new(libc::RTM_NEWADDR, REQ_ACK)
            .push(&IfAddrMsg::default().to_bytes())
            .attr(1, &[1, 2, 3]) // 7 bytes + 1 of padding
            .attr_u32(2, 7)
            .finish(9, 0);
        assert_eq!(msg.len(), 16 + 8 + 8 + 8);
        assert_eq!(u32_at(&msg, 0), Some(40));
        assert_eq!(u32_at(&msg, 8), Some(9));
        assert_eq!(&msg[24..32], &[7, 0, 1, 0, 1, 2, 3, 0]);
        let a: Vec<_> = attrs(&msg[24..]).collect();
        assert_eq!(a, vec![(1, &[1u8, 2, 3][..]), (2, &7u32.to_ne_bytes()[..])]);
    }

    #[test]
    fn malformed_lengths_can_be_written() {
        let mut attrs = Vec::new();
        put_attr(&mut attrs, 3, &[1, 2, 3]);
        assert_eq!(attrs, nested(3, &[1, 2, 3]));
        let req = Request::new(16, 1).push(&attrs);
        assert_eq!(req.encoded_len(), 24);
        let msg = req.finish_with_len(4, 0, 15);
        assert_eq!(
            (msg.len(), u32_at(&msg, 0), u32_at(&msg, 8)),
            (24, Some(15), Some(4))
        );
    }

    #[test]
    fn messages_are_split_at_aligned_lengths() {
        let one = Request::new(3, 0).push(&[0xaa]).finish(1, 5);
        assert_eq!(one.len(), 20);
        let mut buf = one.clone();
        buf.extend_from_slice(&Request::new(2, 0).finish(2, 5));
        let msgs = parse_messages(&buf).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].payload, &[0xaa, 0, 0, 0]);
        assert_eq!((msgs[1].ty, msgs[1].seq, msgs[1].pid), (2, 2, 5));
        // A length running past the buffer is malformed.
        let mut bad = one;
        bad[0] = 200;
        assert_eq!(parse_messages(&bad), Err(Errno(libc::EPROTO)));
    }

    #[test]
    fn family_headers_round_trip() {
        let r = RtMsg {
            family: 2,
            dst_len: 16,
            table: 254,
            protocol: 3,
            scope: 253,
            kind: 1,
            flags: 0x1234,
            ..RtMsg::default()
        };
        assert_eq!(RtMsg::parse(&r.to_bytes()), Some(r));
        let i = IfInfoMsg {
            index: 7,
            flags: 1,
            change: 0xffff_ffff,
            ..IfInfoMsg::default()
        };
        assert_eq!(IfInfoMsg::parse(&i.to_bytes()), Some(i));
    }
}
