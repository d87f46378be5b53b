//! Per-device capture files: classic pcap (not pcapng) with nanosecond
//! timestamps, as ns-3's `PcapHelper` writes with
//! `PcapHelper::DLT_EN10MB` and nanosecond mode.
//!
//! One [`PcapWriter`] per device.  The file is:
//!
//! * a 24-byte global header: magic `0xa1b23c4d` (nanosecond resolution),
//!   version 2.4, `thiszone` 0, `sigfigs` 0, snaplen [`SNAPLEN`] (65535),
//!   linktype [`LINKTYPE_ETHERNET`] (1);
//! * per frame a 16-byte record header (`ts_sec`, `ts_nsec`, `incl_len`,
//!   `orig_len`) followed by the captured bytes.
//!
//! Everything is written little-endian whatever the host, and timestamps
//! are the simulator's virtual time (`ts_sec = time_ns / 10^9`,
//! `ts_nsec = time_ns % 10^9`, so t=0 is the Unix epoch): no wall clock is
//! read anywhere, so the same run always gives byte-identical files.
//!
//! The encoding is done by the `pcap-file` crate (2.x), whose
//! [`PcapHeader`] has a nanosecond [`TsResolution`]; this module only fixes
//! the header, maps virtual time to timestamps, truncates frames longer
//! than the snaplen (`incl_len < orig_len`, like a real capture) and
//! buffers the file.

use pcap_file::pcap::{PcapHeader, PcapPacket};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

/// Pcap magic number of a nanosecond-resolution file (as a `u32` in the
/// file's byte order).
pub const MAGIC_NANOSECOND: u32 = 0xa1b2_3c4d;
/// Linktype of the captures: Ethernet (`LINKTYPE_ETHERNET`, DLT_EN10MB).
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Snapshot length: frames longer than this are truncated in the file
/// (their `orig_len` still says how long they were).
pub const SNAPLEN: u32 = 65535;

/// Writes one device's frames to a pcap file.
///
/// Writes are buffered; the buffer is flushed on drop (errors there are
/// lost, as with [`BufWriter`]) or by [`finish`](PcapWriter::finish), which
/// reports them.
#[derive(Debug)]
pub struct PcapWriter {
    // `None` only after `finish` or during drop.  pcap-file's writer only
    // gives its inner writer back by value, hence the Option.
    inner: Option<pcap_file::pcap::PcapWriter<BufWriter<File>>>,
}

impl PcapWriter {
    /// Creates (truncates) `path` and writes the global header.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = BufWriter::new(File::create(path)?);
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: SNAPLEN,
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::NanoSecond,
            endianness: Endianness::Little,
        };
        let inner = pcap_file::pcap::PcapWriter::with_header(file, header).map_err(to_io)?;
        Ok(PcapWriter { inner: Some(inner) })
    }

    /// Appends `frame` (a whole Ethernet frame, header included, no FCS)
    /// captured at virtual time `time_ns`.  Frames longer than [`SNAPLEN`]
    /// are truncated to it.  Fails if the time does not fit the format
    /// (more than `u32::MAX` seconds, about year 2106) or the frame is
    /// longer than `u32::MAX`.
    pub fn write(&mut self, time_ns: u64, frame: &[u8]) -> io::Result<()> {
        let orig_len = u32::try_from(frame.len()).map_err(|_| {
            invalid(format!(
                "pcap: frame of {} bytes does not fit a pcap record",
                frame.len()
            ))
        })?;
        let timestamp = Duration::from_nanos(time_ns);
        if timestamp.as_secs() > u64::from(u32::MAX) {
            return Err(invalid(format!(
                "pcap: time {time_ns} ns is past the 32-bit seconds of a pcap timestamp"
            )));
        }
        let incl = frame.len().min(SNAPLEN as usize);
        let packet = PcapPacket::new(timestamp, orig_len, &frame[..incl]);
        self.inner
            .as_mut()
            .expect("PcapWriter used after finish")
            .write_packet(&packet)
            .map(|_| ())
            .map_err(to_io)
    }

    /// Flushes and closes the file, reporting any error (dropping the
    /// writer does the same but loses the error).
    pub fn finish(mut self) -> io::Result<()> {
        self.flush_inner()
    }

    fn flush_inner(&mut self) -> io::Result<()> {
        match self.inner.take() {
            Some(w) => w.into_writer().flush(),
            None => Ok(()),
        }
    }
}

impl Drop for PcapWriter {
    fn drop(&mut self) {
        // Nowhere to report an error from drop; `finish` reports it.
        let _ = self.flush_inner();
    }
}

fn to_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => invalid(format!("pcap: {other}")),
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::process::Command;

    /// A file in the temp dir, unique per process and test, removed on drop.
    struct TempPath(PathBuf);

    impl TempPath {
        fn new(name: &str) -> Self {
            let p = std::env::temp_dir()
                .join(format!("dce-sim-pcap-{}-{name}.pcap", std::process::id()));
            TempPath(p)
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn u32_at(b: &[u8], off: usize) -> u32 {
        u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
    }

    fn u16_at(b: &[u8], off: usize) -> u16 {
        u16::from_le_bytes(b[off..off + 2].try_into().unwrap())
    }

    /// (ts_sec, ts_nsec, incl_len, orig_len, data) of every record.
    fn records(b: &[u8]) -> Vec<(u32, u32, u32, u32, Vec<u8>)> {
        let mut off = 24;
        let mut out = Vec::new();
        while off < b.len() {
            let incl = u32_at(b, off + 8);
            let data = b[off + 16..off + 16 + incl as usize].to_vec();
            out.push((
                u32_at(b, off),
                u32_at(b, off + 4),
                incl,
                u32_at(b, off + 12),
                data,
            ));
            off += 16 + incl as usize;
        }
        assert_eq!(off, b.len(), "trailing bytes after the last record");
        out
    }

    #[test]
    fn writes_header_and_nanosecond_records() {
        let tmp = TempPath::new("three");
        let frames: [(u64, Vec<u8>); 3] = [
            (0, vec![0xaa; 60]),
            (1_000_000_001, (0..=255u8).collect()),
            (4_294_967_295_999_999_999, vec![7; 1514]),
        ];
        {
            let mut w = PcapWriter::create(&tmp.0).unwrap();
            for (t, f) in &frames {
                w.write(*t, f).unwrap();
            }
            // Flushed on drop.
        }
        let b = std::fs::read(&tmp.0).unwrap();
        // Global header.
        assert_eq!(&b[0..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
        assert_eq!(u32_at(&b, 0), MAGIC_NANOSECOND);
        assert_eq!((u16_at(&b, 4), u16_at(&b, 6)), (2, 4));
        assert_eq!(u32_at(&b, 8), 0, "thiszone");
        assert_eq!(u32_at(&b, 12), 0, "sigfigs");
        assert_eq!(u32_at(&b, 16), SNAPLEN);
        assert_eq!(u32_at(&b, 20), LINKTYPE_ETHERNET);
        // Records.
        let r = records(&b);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].0, r[0].1, r[0].2, r[0].3), (0, 0, 60, 60));
        assert_eq!((r[1].0, r[1].1, r[1].2, r[1].3), (1, 1, 256, 256));
        assert_eq!(
            (r[2].0, r[2].1, r[2].2, r[2].3),
            (u32::MAX, 999_999_999, 1514, 1514)
        );
        for (rec, (_, f)) in r.iter().zip(&frames) {
            assert_eq!(&rec.4, f);
        }
        assert_eq!(b.len(), 24 + 3 * 16 + 60 + 256 + 1514);
    }

    #[test]
    fn output_is_deterministic_and_finish_flushes() {
        let write = |name: &str| {
            let tmp = TempPath::new(name);
            let mut w = PcapWriter::create(&tmp.0).unwrap();
            for i in 0..100u64 {
                w.write(i * 12_345, &[i as u8; 64]).unwrap();
            }
            w.finish().unwrap();
            std::fs::read(&tmp.0).unwrap()
        };
        let a = write("det-a");
        assert_eq!(a.len(), 24 + 100 * (16 + 64));
        assert_eq!(a, write("det-b"));
    }

    #[test]
    fn long_frames_are_truncated_to_the_snaplen() {
        let tmp = TempPath::new("snaplen");
        let mut w = PcapWriter::create(&tmp.0).unwrap();
        let big: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
        w.write(5, &big).unwrap();
        w.finish().unwrap();
        let b = std::fs::read(&tmp.0).unwrap();
        let r = records(&b);
        assert_eq!((r[0].2, r[0].3), (SNAPLEN, 70_000));
        assert_eq!(r[0].4, big[..SNAPLEN as usize]);
    }

    #[test]
    fn time_past_the_format_is_an_error() {
        let tmp = TempPath::new("toolate");
        let mut w = PcapWriter::create(&tmp.0).unwrap();
        let e = w.write(4_294_967_296_000_000_000, &[0; 60]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("32-bit seconds"), "{e}");
    }

    /// An Ethernet II + IPv4 + UDP frame with valid IPv4 checksum.
    fn udp_frame(src_port: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]); // dst MAC
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // src MAC
        f.extend_from_slice(&[0x08, 0x00]); // EtherType IPv4
        let udp_len = 8 + payload.len() as u16;
        let total = 20 + udp_len;
        let mut ip = vec![
            0x45, 0, // version/IHL, DSCP
        ];
        ip.extend_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(&[0, 1, 0x40, 0]); // id, DF
        ip.extend_from_slice(&[64, 17, 0, 0]); // TTL, UDP, checksum
        ip.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        let mut sum: u32 = ip
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(&src_port.to_be_bytes());
        f.extend_from_slice(&9u16.to_be_bytes()); // discard
        f.extend_from_slice(&udp_len.to_be_bytes());
        f.extend_from_slice(&[0, 0]); // no UDP checksum
        f.extend_from_slice(payload);
        f
    }

    /// Reads a generated capture back with Wireshark's `tshark`.  Skipped
    /// (with a message) when tshark is missing, unless
    /// `DCE_SIM_REQUIRE_TSHARK` is set, in which case a missing tshark
    /// fails the test.
    #[test]
    fn tshark_reads_nanosecond_times() {
        let have = Command::new("tshark").arg("--version").output().is_ok();
        if !have {
            if std::env::var_os("DCE_SIM_REQUIRE_TSHARK").is_some() {
                panic!("tshark is not installed but DCE_SIM_REQUIRE_TSHARK is set");
            }
            eprintln!("skipping tshark_reads_nanosecond_times: tshark is not installed");
            return;
        }
        let tmp = TempPath::new("tshark");
        let mut w = PcapWriter::create(&tmp.0).unwrap();
        w.write(1_500_000_123, &udp_frame(4000, b"hello")).unwrap();
        w.write(2_000_000_001, &udp_frame(4001, &[0x5a; 100]))
            .unwrap();
        w.finish().unwrap();
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&tmp.0)
            .args(["-T", "fields", "-e", "frame.time_epoch", "-e", "eth.type"])
            .env("LC_ALL", "C")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "tshark failed: {}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines,
            ["1.500000123\t0x0800", "2.000000001\t0x0800"],
            "tshark output"
        );
    }
}
