//! The values of a scenario file: durations, rates, addresses, and
//! their serde forms.

use super::*;

use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;

/// Splits `s` into its leading decimal number and the rest.
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s.split_at(end)
}

/// `number * unit`, exactly, for a decimal `number` (`"1.5"`): `None` if
/// it is malformed, overflows or is not a whole multiple of 1/`unit`.
fn scaled(number: &str, unit: u64) -> Option<u64> {
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if number.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_mul(unit)?;
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        return Some(whole);
    }
    let den = 10u64.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let num = u128::from(frac.parse::<u64>().ok()?) * u128::from(unit);
    if num % u128::from(den) != 0 {
        return None;
    }
    whole.checked_add(u64::try_from(num / u128::from(den)).ok()?)
}

/// Parses a duration: a decimal number immediately followed by a unit,
/// `ns`, `us` (or `µs`), `ms` or `s` (`"150ms"`, `"1.5s"`, `"0s"`), into
/// nanoseconds.  It must be a whole number of nanoseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let (number, unit) = split_number(s);
    let scale = match unit {
        "ns" => 1,
        "us" | "µs" => US,
        "ms" => MS,
        "s" => SEC,
        _ => {
            return Err(format!(
                "malformed duration {s:?}: expected a number and a unit, ns, us, ms or s \
                 (e.g. \"150ms\", \"1.5s\")"
            ))
        }
    };
    scaled(number, scale).ok_or_else(|| {
        format!(
            "malformed duration {s:?}: {number:?} is not a number of {unit} that gives a whole \
             number of nanoseconds below 2^64"
        )
    })
}

/// Parses a rate: a decimal number immediately followed by `bps`,
/// `kbps`, `Mbps` or `Gbps` (powers of 1000; the prefix letter may be of
/// either case), into bit/s.  It must be a positive whole number of
/// bit/s.
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let (number, unit) = split_number(s);
    let scale = match unit.to_ascii_lowercase().as_str() {
        "bps" => 1,
        "kbps" => 1_000,
        "mbps" => 1_000_000,
        "gbps" => 1_000_000_000,
        _ => {
            return Err(format!(
                "malformed rate {s:?}: expected a number and a unit, bps, kbps, Mbps or Gbps \
                 (e.g. \"5Mbps\")"
            ))
        }
    };
    match scaled(number, scale) {
        Some(0) => Err(format!(
            "rate {s:?} is zero; leave `rate` out for an infinitely fast link"
        )),
        Some(bps) => Ok(bps),
        None => Err(format!(
            "malformed rate {s:?}: {number:?} is not a number that gives a whole number of \
             bit/s below 2^64"
        )),
    }
}

/// Formats `ns` as seconds with nanosecond precision: `1.500000000 s`.
pub fn format_ns(ns: u64) -> String {
    format!("{}.{:09} s", ns / SEC, ns % SEC)
}

/// Parses an interface address or a route's destination with its prefix
/// length, `ADDR/LEN` (`"10.1.1.1/24"`, `"2001:db8::/32"`), into an
/// [`IpNet`] that keeps the host bits.  Unlike `IpNet`'s own `FromStr`,
/// the error says which part is wrong.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let Some((a, l)) = s.split_once('/') else {
        return Err(format!(
            "bad address {s:?}: expected ADDRESS/PREFIX-LENGTH, e.g. \"10.1.1.1/24\" or \
             \"2001:db8::1/64\""
        ));
    };
    let addr: IpAddr = a
        .parse()
        .map_err(|_| format!("bad address {s:?}: {a:?} is not an IPv4 or IPv6 address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    l.parse::<u8>()
        .ok()
        .and_then(|len| IpNet::new(addr, len).ok())
        .ok_or_else(|| {
            format!("bad address {s:?}: the prefix length must be a number from 0 to {max}")
        })
}

/// True if the bits after the prefix are all zero (a network prefix).
pub fn is_network(net: &IpNet) -> bool {
    net.trunc() == *net
}

/// A duration in a TOML file: a string such as `"150ms"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct Dur(pub(super) u64);

impl TryFrom<String> for Dur {
    type Error = String;
    fn try_from(s: String) -> Result<Dur, String> {
        parse_duration(&s).map(Dur)
    }
}

/// A rate in a TOML file: a string such as `"5Mbps"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct Rate(pub(super) u64);

impl TryFrom<String> for Rate {
    type Error = String;
    fn try_from(s: String) -> Result<Rate, String> {
        parse_rate(&s).map(Rate)
    }
}

/// The addresses of one link end as written: one or a list.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "an address such as \"10.1.1.1/24\" or a list of addresses"
)]
pub(super) enum AddrList {
    One(String),
    Many(Vec<String>),
}

/// The addresses of one link end: `"IP/LEN"` or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "AddrList")]
pub(super) struct EndAddrs(pub(super) Vec<IpNet>);

impl TryFrom<AddrList> for EndAddrs {
    type Error = String;
    fn try_from(a: AddrList) -> Result<EndAddrs, String> {
        let list = match a {
            AddrList::One(s) => vec![s],
            AddrList::Many(v) => v,
        };
        list.iter()
            .map(|s| parse_net(s))
            .collect::<Result<_, _>>()
            .map(EndAddrs)
    }
}
