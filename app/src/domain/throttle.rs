//! Throttling rules: how many failures of a kind, from one source, a window
//! of time allows.
//!
//! Only failures are counted (a wrong join code, a wrong password), never
//! successes, so a class of thirty tablets behind one school router, typing
//! the right code and sending answers, is never slowed; someone guessing
//! codes or passwords is.

/// A limit on failures of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Names the bucket the failures are counted in.
    pub kind: &'static str,
    pub max_failures: i64,
    pub window_seconds: i64,
}

/// Wrong join codes from one network address. A class mistyping a few
/// codes each stays far below; at this rate, finding one of ten open codes
/// among 21^6 takes years.
pub const WRONG_JOIN_CODES: Limit = Limit {
    kind: "join",
    max_failures: 200,
    window_seconds: 600,
};

/// Failed logins to one account (OWASP ASVS 2.2.1).
pub const FAILED_LOGINS_PER_ACCOUNT: Limit = Limit {
    kind: "login-account",
    max_failures: 10,
    window_seconds: 900,
};

/// Failed logins from one network address, whatever the account.
pub const FAILED_LOGINS_PER_ADDRESS: Limit = Limit {
    kind: "login-address",
    max_failures: 100,
    window_seconds: 900,
};

impl Limit {
    /// The start of the window that `now` falls in.
    pub fn window_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_seconds)
    }

    /// Seconds from `now` until the window ends.
    pub fn seconds_left(&self, now: i64) -> i64 {
        self.window_start(now) + self.window_seconds - now
    }

    /// The bucket of `source` (already hashed) for this limit.
    pub fn bucket(&self, source: &str) -> String {
        format!("{}:{source}", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_and_say_how_long_is_left() {
        assert_eq!(WRONG_JOIN_CODES.window_start(1_000_123), 1_000_200 - 600);
        assert_eq!(WRONG_JOIN_CODES.seconds_left(1_000_123), 77);
    }

    #[test]
    fn buckets_keep_kinds_apart() {
        assert_ne!(
            FAILED_LOGINS_PER_ACCOUNT.bucket("x"),
            FAILED_LOGINS_PER_ADDRESS.bucket("x")
        );
    }
}
