//! Throttling rules: how many failures of a kind, from one source, a
//! sliding window of time allows.
//!
//! Only failures are counted (a wrong join code, a wrong password), never
//! successes, so a class of thirty tablets behind one school router, typing
//! the right code and sending answers, is never slowed; someone guessing
//! codes or passwords is. What happens over a limit is designed so that a
//! guesser cannot lock anyone else out (README, "Throttling"):
//! - a join code that already worked from an address in the last
//!   [`JOIN_CODE_REMEMBERED_SECONDS`] keeps working from it, so a class
//!   carries on while someone at the same router guesses;
//! - an account over its limit still opens to its password with a right
//!   second factor, and to its password alone once the window has slid
//!   past the failures (minutes, never "until someone unlocks it").

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

/// Answers sent to one round from one network address in an hour. A class
/// of thirty sends thirty in a lesson; a school's whole day stays under
/// this. Over it, answers wait on the tablet (its outbox retries) rather
/// than being lost.
pub const SUBMISSIONS_PER_ROUND: Limit = Limit {
    kind: "submissions",
    max_failures: 600,
    window_seconds: 3600,
};

/// Failed logins to one account (OWASP ASVS 2.2.1).
pub const FAILED_LOGINS_PER_ACCOUNT: Limit = Limit {
    kind: "login-account",
    max_failures: 10,
    window_seconds: 900,
};

/// Wrong second-factor codes for one account, from someone who gave its
/// right password (no one else gets that far, so no one else can use this
/// up). A six-digit code is a million guesses.
pub const WRONG_SECOND_FACTORS: Limit = Limit {
    kind: "second-factor",
    max_failures: 10,
    window_seconds: 900,
};

/// How long a join code that worked from an address keeps working from it
/// whatever that address's wrong codes: a school day.
pub const JOIN_CODE_REMEMBERED_SECONDS: i64 = 12 * 60 * 60;

/// Failed logins from one network address, whatever the account.
pub const FAILED_LOGINS_PER_ADDRESS: Limit = Limit {
    kind: "login-address",
    max_failures: 100,
    window_seconds: 900,
};

impl Limit {
    /// The first second whose failures still count at `now`: the window
    /// slides with time (failures are counted per second), so no boundary
    /// of the clock ever clears a count all at once.
    pub fn window_opens(&self, now: i64) -> i64 {
        now - self.window_seconds + 1
    }

    /// Seconds from `now` until enough of the failures counted in the window
    /// have aged out for one more try. `per_second` holds the window's
    /// counts as `(second, failures)`, oldest first.
    pub fn seconds_left(&self, now: i64, per_second: &[(i64, i64)]) -> i64 {
        let mut counted: i64 = per_second.iter().map(|(_, n)| n).sum();
        for (second, failures) in per_second {
            if counted < self.max_failures {
                break;
            }
            counted -= failures;
            if counted < self.max_failures {
                return (second + self.window_seconds - now).max(1);
            }
        }
        if counted >= self.max_failures {
            self.window_seconds
        } else {
            0
        }
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
    fn the_window_slides_with_time() {
        assert_eq!(WRONG_JOIN_CODES.window_opens(1_000_123), 1_000_123 - 599);
        assert_eq!(WRONG_JOIN_CODES.window_opens(1_000_124), 1_000_123 - 598);
    }

    #[test]
    fn the_wait_is_until_enough_failures_age_out() {
        let limit = Limit {
            kind: "t",
            max_failures: 3,
            window_seconds: 100,
        };
        // Failures at 10, 20 (two) and 50, four in all: at 60, the count
        // drops below three only when the two at 20 age out, at 120.
        assert_eq!(limit.seconds_left(60, &[(10, 1), (20, 2), (50, 1)]), 60);
        // Three in all: the one at 10 ages out at 110.
        assert_eq!(limit.seconds_left(60, &[(10, 1), (20, 1), (50, 1)]), 50);
        // Below the limit: no wait.
        assert_eq!(limit.seconds_left(60, &[(20, 2)]), 0);
        // All in one second: the wait is until that second leaves.
        assert_eq!(limit.seconds_left(60, &[(59, 5)]), 99);
    }

    #[test]
    fn buckets_keep_kinds_apart() {
        assert_ne!(
            FAILED_LOGINS_PER_ACCOUNT.bucket("x"),
            FAILED_LOGINS_PER_ADDRESS.bucket("x")
        );
    }
}
