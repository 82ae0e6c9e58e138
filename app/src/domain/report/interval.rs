//! How sure a share is: 95% intervals for a share of young people, and for
//! the change in a share between two rounds.
//!
//! A share is given a Wilson score interval, which behaves at a handful of
//! answers and at 0% and 100% (where the textbook "plus or minus"
//! interval collapses to nothing). The change between two rounds is given
//! Newcombe's hybrid score interval (his method 10, built from the two
//! rounds' Wilson intervals); a change is clear when that interval leaves
//! out zero. Both are computed in floating point and shown to a tenth of a
//! percent (or percentage point).
//!
//! References: E. B. Wilson (1927), "Probable inference, the law of
//! succession, and statistical inference", JASA 22; R. G. Newcombe (1998),
//! "Interval estimation for the difference between independent
//! proportions: comparison of eleven methods", Statistics in Medicine 17.

use serde::{Deserialize, Serialize};

/// The normal quantile for a two-sided 95% interval.
const Z: f64 = 1.959_963_984_540_054;

/// An interval of a share (0 to 1) or of a difference of shares (-1 to 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// The ends in tenths of a percent, rounded half away from zero:
    /// `(197, 570)` for 19.7% to 57.0%.
    pub fn tenths(self) -> (i64, i64) {
        let tenths = |x: f64| (x * 1000.0).round() as i64;
        (tenths(self.low), tenths(self.high))
    }

    /// Whether zero lies outside: for a change, that it is clear at 95%.
    pub fn leaves_out_zero(self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// The Wilson score interval of `k` of `n`; `None` unless `0 <= k <= n`
/// and `n > 0`.
pub fn wilson(k: i64, n: i64) -> Option<Interval> {
    if n <= 0 || k < 0 || k > n {
        return None;
    }
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let z2 = Z * Z;
    let scale = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / scale;
    let half = Z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / scale;
    // At none and at all, the interval ends exactly there.
    Some(Interval {
        low: if k == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        high: if k == n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    })
}

/// Newcombe's hybrid score interval for the change in share from `k1` of
/// `n1` (the earlier round) to `k2` of `n2` (the later): later minus
/// earlier. `None` where either share has no interval.
pub fn newcombe(k1: i64, n1: i64, k2: i64, n2: i64) -> Option<Interval> {
    let (earlier, later) = (wilson(k1, n1)?, wilson(k2, n2)?);
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let change = p2 - p1;
    Some(Interval {
        low: change - ((p2 - later.low).powi(2) + (earlier.high - p1).powi(2)).sqrt(),
        high: change + ((later.high - p2).powi(2) + (p1 - earlier.low).powi(2)).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `interval` to four decimals, as the references print them.
    fn four(interval: Interval) -> (f64, f64) {
        let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
        (round(interval.low), round(interval.high))
    }

    #[test]
    fn wilson_matches_newcombes_published_examples_and_the_ends() {
        // Newcombe (1998, single proportion), table I, method 3 (Wilson
        // without continuity correction): 81/263, 15/148, 0/20, 1/29. Every
        // figure here also agrees with statsmodels 0.15.0's
        // `proportion_confint(k, n, method="wilson")`.
        assert_eq!(four(wilson(81, 263).unwrap()), (0.2553, 0.3662));
        assert_eq!(four(wilson(15, 148).unwrap()), (0.0624, 0.1605));
        assert_eq!(four(wilson(0, 20).unwrap()), (0.0, 0.1611));
        assert_eq!(four(wilson(1, 29).unwrap()), (0.0061, 0.1718));
        // None, all, and a single young person.
        assert_eq!(four(wilson(20, 20).unwrap()), (0.8389, 1.0));
        assert_eq!(four(wilson(1, 1).unwrap()), (0.2065, 1.0));
        assert_eq!(four(wilson(0, 1).unwrap()), (0.0, 0.7935));
        // The seed report's 8 of 22 (36.4%): 19.7% to 57.0%.
        assert_eq!(wilson(8, 22).unwrap().tenths(), (197, 570));
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 2), None);
    }

    #[test]
    fn newcombe_matches_his_published_examples() {
        // Newcombe (1998, differences), table II, method 10, as later
        // minus earlier: 56/70 against 48/80, and 9/10 against 3/10; the
        // same as statsmodels 0.15.0's `confint_proportions_2indep(k2, n2,
        // k1, n1, method="newcomb")`, which gives 8/22 to 10/22 as -0.1868
        // to 0.3501.
        assert_eq!(four(newcombe(48, 80, 56, 70).unwrap()), (0.0524, 0.3339));
        assert_eq!(four(newcombe(3, 10, 9, 10).unwrap()), (0.1705, 0.8090));
        // Turned round, the interval turns round.
        assert_eq!(four(newcombe(56, 70, 48, 80).unwrap()), (-0.3339, -0.0524));
        assert!(newcombe(48, 80, 56, 70).unwrap().leaves_out_zero());
        // Two young people more of 22 is not a clear change.
        let two_more = newcombe(8, 22, 10, 22).unwrap();
        assert_eq!(four(two_more), (-0.1868, 0.3501));
        assert!(!two_more.leaves_out_zero(), "{two_more:?}");
        assert_eq!(newcombe(0, 0, 1, 2), None);
    }
}
