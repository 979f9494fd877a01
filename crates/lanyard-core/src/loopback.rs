//! Who is on the other end of a loopback connection. Lanyard's one-shot loopback listeners (the
//! console hand-off, the sign-in callback) hand out something worth a console session or an
//! authorization code, and their URL is visible to other local users (a browser's command line
//! is world-readable in `/proc`): only a connection from a process of this user is served.
//!
//! Hand-written because no maintained crate answers "which uid owns the peer of this TCP
//! socket" for loopback TCP (`SO_PEERCRED` is for Unix sockets only): Linux says it in
//! `/proc/net/tcp{,6}`, where the peer's own socket is listed with its owner.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long one connection may take to send its request before it is dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the process at `peer` (connected to our `local`) runs as this user. On systems
/// without `/proc/net/tcp` the answer is yes (nothing to check against).
pub fn peer_is_same_user(local: SocketAddr, peer: SocketAddr) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
            return false;
        };
        let owner = || {
            let tables = ["/proc/net/tcp", "/proc/net/tcp6"]
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect::<Vec<_>>();
            owner_of(&tables, peer, local)
        };
        // The table is read in chunks while it changes: a row can be missed once. root may
        // relay (a port proxy; WSL's relay): it can read this user's files anyway.
        let ok = |o: Option<u32>| o == Some(me) || o == Some(0);
        ok(owner()) || ok(owner())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        true
    }
}

/// The uid owning the socket bound to `addr` and connected to `remote`, from the text of
/// `/proc/net/tcp` / `tcp6` tables.
fn owner_of(tables: &[String], addr: SocketAddr, remote: SocketAddr) -> Option<u32> {
    tables
        .iter()
        .flat_map(|t| t.lines().skip(1))
        .find_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (local, rem, uid) = (f.get(1)?, f.get(2)?, f.get(7)?);
            (parse_addr(local)? == addr && parse_addr(rem)? == remote)
                .then(|| uid.parse().ok())
                .flatten()
        })
}

/// `0100007F:1F90` (IPv4) or the 32-hex-digit IPv6 form: the address as the kernel prints it
/// (each 32-bit word in host order), the port in hex.
fn parse_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |hex: &str| u32::from_str_radix(hex, 16).ok().map(u32::to_ne_bytes);
    let ip: IpAddr = match ip.len() {
        8 => IpAddr::from(word(ip)?),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(&ip[i * 8..i * 8 + 8])?);
            }
            let v6 = std::net::Ipv6Addr::from(bytes);
            // A v4 client of a dual-stack socket is listed as ::ffff:a.b.c.d.
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_owner_of_a_peer_socket_from_the_kernel_table() {
        // Captured from /proc/net/tcp: a listener on 127.0.0.1:46395 (uid 0), the browser's
        // socket 127.0.0.1:51234 → 127.0.0.1:46395 (uid 65534), and our accepted end (uid 0).
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:B53B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n   1: 0100007F:C822 0100007F:B53B 01 00000000:00000000 00:00000000 00000000 65534        0 2 1 0 20 4 30 10 -1\n   2: 0100007F:B53B 0100007F:C822 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1\n".to_owned();
        let ours: SocketAddr = "127.0.0.1:46395".parse().unwrap();
        let browser: SocketAddr = "127.0.0.1:51234".parse().unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(
                owner_of(std::slice::from_ref(&table), browser, ours),
                Some(65534)
            );
            assert_eq!(owner_of(&[table], ours, browser), Some(0));
        }
        assert_eq!(owner_of(&[], browser, ours), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_connection_from_this_process_is_this_user() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert!(peer_is_same_user(server.local_addr().unwrap(), peer));
        let elsewhere: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert!(!peer_is_same_user(server.local_addr().unwrap(), elsewhere));
    }
}
