//! Internet protocol helpers shared by the hosts, their tests and
//! dce-sim's applications (no_std).

/// RFC 1071 Internet checksum of `data` (as stored big-endian on the
/// wire): 0 over a packet whose checksum field is right.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
