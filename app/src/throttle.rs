//! Throttling guesses: wrong join codes and failed logins, counted in the
//! database per source so that every Heard instance enforces the same
//! limits (rules in `domain::throttle`).
//!
//! A network address is kept only as a SHA-256 hash in the counters, and
//! never with answers.

use crate::db::{Db, DbError, now};
use crate::domain::throttle::Limit;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};

/// A source that has used up its failures; how long until it may try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub seconds_left: i64,
}

/// Whether `source` has used up `limit` in the window that ends now.
pub async fn check(db: &Db, limit: Limit, source: &str) -> Result<Result<(), Throttled>, DbError> {
    let time = now();
    let per_second = db
        .hits_since(&limit.bucket(source), limit.window_opens(time))
        .await?;
    let hits: i64 = per_second.iter().map(|(_, n)| n).sum();
    Ok(if hits >= limit.max_failures {
        Err(Throttled {
            seconds_left: limit.seconds_left(time, &per_second),
        })
    } else {
        Ok(())
    })
}

/// Counts one failure of `source` against `limit`, in the second it happened.
pub async fn record_failure(db: &Db, limit: Limit, source: &str) -> Result<(), DbError> {
    db.count_hit(&limit.bucket(source), now()).await?;
    Ok(())
}

/// The hashed source name of a network address.
pub fn address_source(address: Option<IpAddr>) -> String {
    hashed_source(
        &address
            .map(|a| a.to_string())
            .unwrap_or_else(|| "unknown".to_owned()),
    )
}

/// A source name for `text` (an address, an account) that does not show it.
pub fn hashed_source(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The address a request came from: the connection's, or, when Heard runs
/// behind a proxy that is trusted to say so, the last `X-Forwarded-For`
/// entry (the one that proxy added).
pub fn client_address(parts: &http::request::Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(forwarded);
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: Option<&str>) -> http::request::Parts {
        let mut builder = http::Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let mut parts = builder.body(()).unwrap().into_parts().0;
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        parts.extensions.insert(axum::extract::ConnectInfo(peer));
        parts
    }

    #[test]
    fn forwarded_addresses_are_believed_only_behind_a_trusted_proxy() {
        let request = parts(Some("203.0.113.7, 198.51.100.2"));
        assert_eq!(
            client_address(&request, false),
            Some("10.0.0.9".parse().unwrap())
        );
        assert_eq!(
            client_address(&request, true),
            Some("198.51.100.2".parse().unwrap())
        );
        assert_eq!(
            client_address(&parts(None), true),
            Some("10.0.0.9".parse().unwrap())
        );
    }

    #[test]
    fn addresses_are_kept_only_as_hashes() {
        let source = address_source(Some("192.0.2.1".parse().unwrap()));
        assert_eq!(source.len(), 32);
        assert!(!source.contains("192"));
        assert_ne!(source, address_source(Some("192.0.2.2".parse().unwrap())));
    }
}
