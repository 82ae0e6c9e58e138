//! The second factor: time-based one-time codes (TOTP, RFC 6238: HMAC-SHA-1,
//! six digits, 30-second steps, the kind every authenticator app reads)
//! and one-time recovery codes for when the phone is lost.
//!
//! A code is accepted for the step before and after the current one (a
//! phone's clock drifts), and each step at most once per account (the
//! database remembers the last one used), so a code read over a shoulder
//! cannot be used again.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// How many recovery codes an account gets at a time.
pub const RECOVERY_CODES: usize = 10;

/// A fresh secret (160 bits, as RFC 4226 recommends), in base32 as
/// authenticator apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    base32_of(&bytes)
}

fn base32_of(bytes: &[u8]) -> String {
    totp(bytes.to_vec())
        .map(|t| t.get_secret_base32())
        .unwrap_or_default()
}

fn totp(secret: Vec<u8>) -> Option<TOTP> {
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret).ok()
}

fn totp_of(secret_base32: &str) -> Option<TOTP> {
    totp(
        totp_rs::Secret::Encoded(secret_base32.to_owned())
            .to_bytes()
            .ok()?,
    )
}

/// The `otpauth://` address an authenticator app reads (from a QR code).
pub fn otpauth_uri(secret_base32: &str, email: &str) -> String {
    let label: String = format!("Heard:{email}")
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '@' | ':' => c.to_string(),
            other => format!("%{:02X}", other as u32 & 0xff),
        })
        .collect();
    format!(
        "otpauth://totp/{label}?secret={secret_base32}&issuer=Heard&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// The code an authenticator app shows at `unix_time` (for tests and for
/// checking a set-up).
pub fn code_at(secret_base32: &str, unix_time: u64) -> Option<String> {
    Some(totp_of(secret_base32)?.generate(unix_time))
}

/// The time step `typed` is the code for, within one step of
/// `unix_time`; `None` when it is no code of this secret's now.
pub fn matching_step(secret_base32: &str, typed: &str, unix_time: u64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let totp = totp_of(secret_base32)?;
    let now = unix_time / STEP_SECONDS;
    (now.saturating_sub(1)..=now + 1)
        .find(|step| {
            let expected = totp.generate(step * STEP_SECONDS);
            // Compared in constant time: the code is a secret.
            expected
                .bytes()
                .zip(typed.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
        })
        .and_then(|step| i64::try_from(step).ok())
}

/// Whether `typed` looks like a recovery code rather than a six-digit code.
pub fn is_recovery_code(typed: &str) -> bool {
    normalise_recovery_code(typed).len() == 10
}

/// Fresh recovery codes, `xxxxx-xxxxx` from letters and digits that cannot
/// be mistaken for one another (about 50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The hash a recovery code is stored under (however it was typed: case,
/// spaces and dashes do not matter).
pub fn recovery_code_hash(typed: &str) -> String {
    Sha256::digest(normalise_recovery_code(typed).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_rfc_6238s_test_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", the
        // last six of the eight digits.
        let secret = base32_of(b"12345678901234567890");
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(&secret, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn a_code_is_good_for_one_step_either_side_and_no_more() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now), Some(60_000_000));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(60_000_000));
        assert_eq!(matching_step(&secret, &code, now - 30), Some(60_000_000));
        assert_eq!(matching_step(&secret, &code, now + 90), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_read_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert!(is_recovery_code(code));
        assert_eq!(
            recovery_code_hash(code),
            recovery_code_hash(&format!(" {} ", code.to_uppercase().replace('-', " ")))
        );
        assert!(!is_recovery_code("123456"));
    }

    #[test]
    fn the_setup_address_names_heard_and_the_account() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "sam@example.org");
        assert!(uri.starts_with("otpauth://totp/Heard:sam@example.org?secret=JBSWY3DPEHPK3PXP"));
        assert!(uri.contains("issuer=Heard"));
    }
}
