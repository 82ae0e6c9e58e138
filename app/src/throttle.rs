//! Throttling guesses: wrong join codes, failed logins and wrong second
//! factors, counted in the database per source so that every Heard
//! instance enforces the same limits (rules in `domain::throttle`).
//!
//! An attempt is counted *before* it is tried ([`reserve`]) and forgiven
//! if it succeeds, so however many arrive at the same moment, no more than
//! the limit are ever tried in a window.
//!
//! A network address is counted only as a keyed hash (HMAC-SHA-256 with a
//! key made once per deployment and kept in the database), so the
//! counters cannot be turned back into addresses, and never with answers.
//! IPv6 addresses count by their /64: one home or phone gets a whole /64
//! and could otherwise take a new address for every guess.

use crate::db::{Allowance, Db, DbError, now};
use crate::domain::throttle::Limit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// A source that has used up its failures; how long until it may try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub seconds_left: i64,
}

/// One attempt, counted against its limit before it is tried.
#[derive(Debug)]
#[must_use = "an attempt that succeeds must be forgiven"]
pub struct Reservation {
    bucket: String,
    second: i64,
    /// `Err` when the attempt is over the limit and must not be tried.
    pub outcome: Result<(), Throttled>,
}

/// Counts one attempt of `source` against `limit` and says whether it may
/// be tried: the count includes every attempt that reached the database
/// before it, so concurrent attempts cannot all slip under the limit.
pub async fn reserve(db: &Db, limit: Limit, source: &str) -> Result<Reservation, DbError> {
    let time = now();
    let bucket = limit.bucket(source);
    db.count_hit(&bucket, time).await?;
    let per_second = db.hits_since(&bucket, limit.window_opens(time)).await?;
    let attempts: i64 = per_second.iter().map(|(_, n)| n).sum();
    let outcome = if attempts > limit.max_failures {
        Err(Throttled {
            seconds_left: limit.seconds_left(time, &per_second),
        })
    } else {
        Ok(())
    };
    Ok(Reservation {
        bucket,
        second: time,
        outcome,
    })
}

/// Whether `source` has failures to spare under `limit` (reads only: for
/// an attempt that counts nothing when it succeeds).
pub async fn check(db: &Db, limit: Limit, source: &str) -> Result<Result<(), Throttled>, DbError> {
    let time = now();
    let per_second = db
        .hits_since(&limit.bucket(source), limit.window_opens(time))
        .await?;
    let failures: i64 = per_second.iter().map(|(_, n)| n).sum();
    Ok(if failures >= limit.max_failures {
        Err(Throttled {
            seconds_left: limit.seconds_left(time, &per_second),
        })
    } else {
        Ok(())
    })
}

impl Reservation {
    /// Takes the attempt off the count: it succeeded, or was refused
    /// without being tried (so waiting clears the limit as it says).
    pub async fn forgive(self, db: &Db) -> Result<(), DbError> {
        db.uncount_hit(&self.bucket, self.second).await
    }
}

/// Marks `mark` as seen for `source` (e.g. a join code that worked from an
/// address), for [`seen_recently`].
pub async fn remember(db: &Db, kind: &str, source: &str, mark: &str) -> Result<(), DbError> {
    db.count_hit(&seen_bucket(kind, source, mark), now())
        .await?;
    Ok(())
}

/// What [`remember`] writes, for a caller that writes it in a transaction
/// of its own (the submission writer): the bucket, and the second.
pub fn mark(kind: &str, source: &str, mark: &str) -> (String, i64) {
    (seen_bucket(kind, source, mark), now())
}

/// One attempt of `source` against `limit`, for the submission writer to
/// count in the transaction that stores it (see [`reserve`]).
pub fn allowance(limit: Limit, source: &str) -> Allowance {
    let at = now();
    Allowance {
        bucket: limit.bucket(source),
        at,
        since: limit.window_opens(at),
        most: limit.max_failures,
    }
}

/// How long a source whose [`allowance`] was used up must wait, from the
/// counts per second the writer found.
pub fn over_allowance(limit: Limit, allowance: &Allowance, per_second: &[(i64, i64)]) -> Throttled {
    Throttled {
        seconds_left: limit.seconds_left(allowance.at, per_second),
    }
}

/// Whether [`remember`] marked `mark` for `source` in the last `seconds`.
pub async fn seen_recently(
    db: &Db,
    kind: &str,
    source: &str,
    mark: &str,
    seconds: i64,
) -> Result<bool, DbError> {
    let bucket = seen_bucket(kind, source, mark);
    Ok(!db.hits_since(&bucket, now() - seconds).await?.is_empty())
}

fn seen_bucket(kind: &str, source: &str, mark: &str) -> String {
    use sha2::Digest;
    let digest = Sha256::digest(format!("{source}\n{mark}").as_bytes());
    format!("{kind}:{}", hex(&digest[..16]))
}

/// A secret key of the deployment, shared by every instance (it is stored
/// in the database), for keyed hashes: of sources before they are counted
/// (the throttling key), and of rounds' open tokens (see `domain::late`).
#[derive(Clone)]
pub struct ServerKey(Arc<[u8; 32]>);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(..)")
    }
}

impl ServerKey {
    /// The throttling key.
    pub async fn load(db: &Db) -> Result<ServerKey, DbError> {
        ServerKey::load_named(db, "throttle-source-key").await
    }

    /// The key stored in the database under `name`, made by whichever
    /// instance asks first.
    pub async fn load_named(db: &Db, name: &str) -> Result<ServerKey, DbError> {
        let fresh = || {
            use argon2::password_hash::rand_core::{OsRng, RngCore};
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            hex(&bytes)
        };
        let stored = db.server_secret(name, fresh).await?;
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = stored
                .get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| DbError::Corrupt(format!("the key {name} is not 64 hex digits")))?;
        }
        Ok(ServerKey(Arc::new(key)))
    }

    /// A key for tests and tools that never store what they count.
    pub fn from_bytes(key: [u8; 32]) -> ServerKey {
        ServerKey(Arc::new(key))
    }

    /// A source name for `text` (an account's e-mail address) that does not
    /// show it.
    pub fn hash(&self, text: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0[..]).expect("HMAC takes a key of any length");
        mac.update(text.as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }

    /// Whether `tag` (hex) is [`ServerKey::hash`] of `text`, compared in
    /// constant time.
    pub fn verifies(&self, text: &str, tag: &str) -> bool {
        let bytes: Option<Vec<u8>> = (0..tag.len() / 2)
            .map(|i| u8::from_str_radix(tag.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        let Some(bytes) = bytes.filter(|b| b.len() == 16 && tag.len() == 32) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0[..]).expect("HMAC takes a key of any length");
        mac.update(text.as_bytes());
        mac.verify_truncated_left(&bytes).is_ok()
    }

    /// The source name of a network address: IPv4 addresses one by one,
    /// IPv6 by their /64.
    pub fn address(&self, address: Option<IpAddr>) -> String {
        self.hash(&network_of(address))
    }
}

/// What a network address counts as: itself for IPv4 (an IPv4-mapped IPv6
/// address included), its /64 for IPv6.
pub fn network_of(address: Option<IpAddr>) -> String {
    match address.map(|a| a.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let network = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{network}/64")
        }
        None => "unknown".to_owned(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    fn addresses_are_kept_only_as_keyed_hashes() {
        let key = ServerKey::from_bytes([7; 32]);
        let source = key.address(Some("192.0.2.1".parse().unwrap()));
        assert_eq!(source.len(), 32);
        assert!(!source.contains("192"));
        assert_ne!(source, key.address(Some("192.0.2.2".parse().unwrap())));
        // Another deployment's key gives another name: a list of every
        // IPv4 address hashed once does not reverse them.
        let other = ServerKey::from_bytes([8; 32]);
        assert_ne!(source, other.address(Some("192.0.2.1".parse().unwrap())));
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let key = ServerKey::from_bytes([7; 32]);
        let one = key.address(Some("2001:db8:1:2::1".parse().unwrap()));
        let same_64 = key.address(Some("2001:db8:1:2:ffff:1:2:3".parse().unwrap()));
        let other_64 = key.address(Some("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(one, same_64);
        assert_ne!(one, other_64);
        assert_eq!(
            network_of(Some("::ffff:192.0.2.1".parse().unwrap())),
            "192.0.2.1"
        );
    }
}
