//! The tablet's outbox: what happens to a finished survey after each try
//! to send it, and when the next try is due.
//!
//! A finished survey leaves the tablet only when Heard has said it stored
//! it (201) or already had it (200), in Heard's own words: a school's
//! captive portal or proxy answering 200 with a page of its own is not
//! Heard. Anything that may pass (no answer, 408, 413, 425, 429, 5xx) is
//! tried again with backoff, later still if the server asks
//! (`Retry-After`). What Heard refuses for good (the round closed beyond
//! its late hours, the code unknown, the survey changed beyond
//! recognition) is never dropped: it is kept, marked with the reason, and
//! shown to a worker who opens the kiosk link, who can try again (after
//! extending the late hours, say).
//!
//! Pure: the tablet passes in the time, and the tests a fake clock.

use serde::{Deserialize, Serialize};

/// Waits between tries, in seconds: the last repeats.
pub const BACKOFF_SECONDS: [u32; 8] = [1, 2, 4, 8, 15, 30, 60, 120];
/// The longest a server's `Retry-After` is honoured for (an hour): a
/// broken header must not park a survey for a week.
pub const MAX_RETRY_AFTER_SECONDS: u32 = 3600;
/// How long one tab may send for before another may take over.
pub const LEASE_MS: f64 = 30_000.0;

/// A finished survey waiting on the tablet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub client_id: String,
    /// The JSON body, as sent.
    pub body: String,
    /// Tries so far.
    #[serde(default)]
    pub tries: u32,
    /// When the next try is due (milliseconds since 1970); 0: now.
    #[serde(default)]
    pub due_at: f64,
    /// Why Heard refused it for good, when it did: it waits for a worker.
    #[serde(default)]
    pub refused: Option<String>,
    /// When it was finished (milliseconds since 1970): oldest go first.
    #[serde(default)]
    pub queued_at: f64,
}

impl OutboxItem {
    pub fn new(client_id: String, body: String) -> OutboxItem {
        OutboxItem {
            client_id,
            body,
            tries: 0,
            due_at: 0.0,
            refused: None,
            queued_at: 0.0,
        }
    }

    /// Whether a try is due at `now` (refused ones wait for a worker).
    pub fn is_due(&self, now: f64) -> bool {
        self.refused.is_none() && self.due_at <= now
    }
}

/// How a try went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// No answer: offline, or the connection failed.
    None,
    /// An HTTP answer: status, whether the body was Heard's
    /// acknowledgement (`{"status": "stored" | "already stored"}`), Heard's
    /// error message if there was one, and `Retry-After` in seconds.
    Http {
        status: u16,
        acknowledged: bool,
        error: Option<String>,
        retry_after: Option<u32>,
    },
}

/// What to do with the item after a try.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Heard has it: take it out of the outbox.
    Done,
    /// Keep it and try again (the item, with its next due time).
    Retry(OutboxItem),
    /// Keep it for a worker (the item, with why).
    Refused(OutboxItem),
}

/// The outcome of a try of `item` at `now` (milliseconds since 1970).
pub fn after_try(mut item: OutboxItem, answer: &Answer, now: f64) -> Next {
    item.tries += 1;
    let retry_after = match answer {
        Answer::Http {
            status: 200 | 201,
            acknowledged: true,
            ..
        } => return Next::Done,
        // Refused in Heard's own words: a proxy's 404 page is no refusal.
        Answer::Http {
            status: 400 | 404 | 409 | 410 | 422,
            error: Some(error),
            ..
        } => {
            item.refused = Some(error.clone());
            return Next::Refused(item);
        }
        Answer::Http { retry_after, .. } => *retry_after,
        Answer::None => None,
    };
    let backoff = BACKOFF_SECONDS[(item.tries as usize - 1).min(BACKOFF_SECONDS.len() - 1)];
    let wait = backoff.max(retry_after.unwrap_or(0).min(MAX_RETRY_AFTER_SECONDS));
    item.due_at = now + f64::from(wait) * 1000.0;
    Next::Retry(item)
}

/// A worker asked to try the refused ones again.
pub fn retry_refused(items: &mut [OutboxItem]) {
    for item in items.iter_mut().filter(|i| i.refused.is_some()) {
        item.refused = None;
        item.due_at = 0.0;
    }
}

/// Which tab is sending, and until when (several tabs of one tablet share
/// the outbox; one sends at a time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub tab: String,
    pub until: f64,
}

/// Whether tab `me` may send at `now`, given the lease in storage.
pub fn may_send(lease: Option<&Lease>, me: &str, now: f64) -> bool {
    lease.is_none_or(|lease| lease.tab == me || lease.until <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> OutboxItem {
        OutboxItem::new("6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11".into(), "{}".into())
    }

    fn http(status: u16) -> Answer {
        Answer::Http {
            status,
            acknowledged: false,
            error: Some(format!("refused with {status}")),
            retry_after: None,
        }
    }

    fn retried(next: Next) -> OutboxItem {
        match next {
            Next::Retry(item) => item,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn only_heards_own_acknowledgement_takes_a_survey_out() {
        for status in [200, 201] {
            let ack = Answer::Http {
                status,
                acknowledged: true,
                error: None,
                retry_after: None,
            };
            assert_eq!(after_try(item(), &ack, 0.0), Next::Done);
        }
        // A captive portal's or proxy's own 200 page is not Heard.
        retried(after_try(item(), &http(200), 0.0));
        // Nor is its 404 or 410 without Heard's error: tried again.
        for status in [404, 410] {
            let foreign = Answer::Http {
                status,
                acknowledged: false,
                error: None,
                retry_after: None,
            };
            retried(after_try(item(), &foreign, 0.0));
        }
    }

    #[test]
    fn what_may_pass_is_tried_again_with_backoff_on_a_fake_clock() {
        let mut clock = 1_000_000.0;
        let mut waiting = item();
        let mut waits = Vec::new();
        for answer in [
            Answer::None,
            http(408),
            http(413),
            http(429),
            http(500),
            http(502),
            http(503),
            Answer::None,
            Answer::None,
        ] {
            waiting = retried(after_try(waiting, &answer, clock));
            assert!(!waiting.is_due(clock), "not due at once");
            waits.push((waiting.due_at - clock) / 1000.0);
            clock = waiting.due_at;
            assert!(waiting.is_due(clock));
        }
        assert_eq!(waits, [1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 120.0]);
        assert_eq!(waiting.tries, 9);
    }

    #[test]
    fn retry_after_is_honoured_up_to_an_hour() {
        let throttled = |seconds| Answer::Http {
            status: 429,
            acknowledged: false,
            error: None,
            retry_after: Some(seconds),
        };
        assert_eq!(
            retried(after_try(item(), &throttled(90), 0.0)).due_at,
            90_000.0
        );
        // Never sooner than the backoff, never later than an hour.
        assert_eq!(
            retried(after_try(item(), &throttled(0), 0.0)).due_at,
            1_000.0
        );
        assert_eq!(
            retried(after_try(item(), &throttled(999_999), 0.0)).due_at,
            3_600_000.0
        );
    }

    #[test]
    fn what_heard_refuses_for_good_is_kept_for_a_worker_with_why() {
        for status in [400, 404, 409, 410, 422] {
            let Next::Refused(kept) = after_try(item(), &http(status), 0.0) else {
                panic!("{status} must be kept for a worker");
            };
            assert_eq!(kept.refused, Some(format!("refused with {status}")));
            assert!(!kept.is_due(f64::MAX), "not retried on its own");
            let mut items = vec![kept];
            retry_refused(&mut items);
            assert!(items[0].is_due(0.0), "a worker's Try again sends it");
        }
    }

    #[test]
    fn one_tab_sends_at_a_time() {
        let lease = Lease {
            tab: "a".into(),
            until: 100.0,
        };
        assert!(may_send(None, "b", 50.0));
        assert!(may_send(Some(&lease), "a", 50.0));
        assert!(!may_send(Some(&lease), "b", 50.0));
        assert!(
            may_send(Some(&lease), "b", 100.0),
            "an abandoned lease expires"
        );
    }
}
