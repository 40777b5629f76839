//! The client's address for per-IP limits. `X-Forwarded-For` is believed only when the direct
//! peer is one of the configured trusted proxies (`ROSTER_TRUSTED_PROXIES`); then the client is
//! the right-most address in the header that is not itself a trusted proxy. Anyone else could
//! write any address into the header, and so escape the per-IP login limit.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|hop| hop.parse::<IpAddr>())
        .collect::<Result<_, _>>()
        // A malformed header is not evidence of anything: fall back to the proxy itself.
        .unwrap_or_default();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(xff).unwrap());
        h
    }

    #[test]
    fn believes_only_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let other: IpAddr = "203.0.113.9".parse().unwrap();
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let h = headers("198.51.100.7, 10.0.0.9");
        assert_eq!(
            resolve(Some(proxy), &h, &trusted),
            "198.51.100.7".parse().ok()
        );
        // An untrusted peer's header is ignored.
        assert_eq!(resolve(Some(other), &h, &trusted), Some(other));
        // No proxies configured: the header is ignored.
        assert_eq!(resolve(Some(proxy), &h, &[]), Some(proxy));
        // A forged left-most entry does not win over the hop the proxy saw.
        let h = headers("1.2.3.4, 198.51.100.7");
        assert_eq!(
            resolve(Some(proxy), &h, &trusted),
            "198.51.100.7".parse().ok()
        );
        assert_eq!(
            resolve(Some(proxy), &headers("junk"), &trusted),
            Some(proxy)
        );
        assert_eq!(resolve(None, &h, &trusted), None);
    }
}
