//! Surveys that arrive after their round closed.
//!
//! A tablet keeps finished surveys while it is offline (see `collect`), so
//! one finished while the round was open can arrive after a worker closed
//! it. Heard accepts it for a while after closing (the round's late hours,
//! a week unless a worker sets otherwise) when the tablet proves it had the
//! survey while the round was open: the round's open token, a time signed by
//! the server when it handed out the survey page. The survey's own finish
//! time, by the tablet's clock, must be given and not after the round
//! closed (give or take a tablet clock that is a little wrong). The token
//! is the round's, not the survey's: whoever loaded the page while the
//! round was open can send late surveys for the late hours, as they could
//! have while it was open, within the same per-network limit.

/// How long after closing a round takes late surveys, unless set.
pub const DEFAULT_LATE_HOURS: i64 = 168;
/// The most a worker may set: long enough for a school holiday.
pub const MAX_LATE_HOURS: i64 = 24 * 42;
/// How far a tablet's clock may be ahead of the server's.
pub const CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// Why a survey for a closed round was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LateRefusal {
    #[error("the round was closed before this change, so it takes no late surveys")]
    NoCloseTime,
    #[error("the survey carries no open token from while the round was open")]
    NoToken,
    #[error("the survey's open token is not one Heard gave")]
    BadToken,
    #[error("the survey was handed out after the round closed")]
    HandedOutAfterClosing,
    #[error("the survey does not say when it was finished (finished_at)")]
    NoFinishTime,
    #[error("the survey was finished after the round closed")]
    FinishedAfterClosing,
    #[error("the round stopped taking late surveys {0} hours after it closed")]
    TooLate(i64),
}

/// A survey's open token, as read by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenToken {
    Missing,
    /// Not signed with Heard's key, or not for this round.
    Forged,
    /// Heard handed out the survey at this time (seconds).
    HandedOutAt(i64),
}

/// What a late survey shows of itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateProof {
    pub token: OpenToken,
    /// When the tablet says it was finished (seconds), if it said.
    pub finished_at: Option<i64>,
}

/// Whether a closed round takes a survey now (all times in seconds).
pub fn accepts_late(
    closed_at: Option<i64>,
    late_hours: i64,
    proof: LateProof,
    now: i64,
) -> Result<(), LateRefusal> {
    let closed_at = closed_at.ok_or(LateRefusal::NoCloseTime)?;
    let handed_out_at = match proof.token {
        OpenToken::Missing => return Err(LateRefusal::NoToken),
        OpenToken::Forged => return Err(LateRefusal::BadToken),
        OpenToken::HandedOutAt(at) => at,
    };
    if handed_out_at > closed_at {
        return Err(LateRefusal::HandedOutAfterClosing);
    }
    match proof.finished_at {
        None => return Err(LateRefusal::NoFinishTime),
        Some(finished) if finished > closed_at + CLOCK_SKEW_SECONDS => {
            return Err(LateRefusal::FinishedAfterClosing);
        }
        Some(_) => {}
    }
    if now >= closed_at + late_hours * 3600 {
        return Err(LateRefusal::TooLate(late_hours));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOSED: i64 = 1_000_000;

    fn proof(handed_out_at: i64, finished_at: Option<i64>) -> LateProof {
        LateProof {
            token: OpenToken::HandedOutAt(handed_out_at),
            finished_at,
        }
    }

    #[test]
    fn a_survey_handed_out_and_finished_before_closing_is_taken_within_the_late_hours() {
        let hour = 3600;
        let p = proof(CLOSED - 2 * hour, Some(CLOSED - hour));
        assert_eq!(
            accepts_late(Some(CLOSED), 168, p, CLOSED + 167 * hour),
            Ok(())
        );
        assert_eq!(
            accepts_late(Some(CLOSED), 168, p, CLOSED + 168 * hour + 1),
            Err(LateRefusal::TooLate(168))
        );
        assert_eq!(
            accepts_late(Some(CLOSED), 0, p, CLOSED),
            Err(LateRefusal::TooLate(0))
        );
    }

    #[test]
    fn without_proof_from_while_the_round_was_open_nothing_is_taken() {
        let now = CLOSED + 60;
        let none = LateProof {
            token: OpenToken::Missing,
            finished_at: Some(CLOSED - 60),
        };
        assert_eq!(
            accepts_late(Some(CLOSED), 168, none, now),
            Err(LateRefusal::NoToken)
        );
        let forged = LateProof {
            token: OpenToken::Forged,
            finished_at: None,
        };
        assert_eq!(
            accepts_late(Some(CLOSED), 168, forged, now),
            Err(LateRefusal::BadToken)
        );
        assert_eq!(
            accepts_late(Some(CLOSED), 168, proof(CLOSED + 1, Some(CLOSED)), now),
            Err(LateRefusal::HandedOutAfterClosing)
        );
        assert_eq!(
            accepts_late(None, 168, proof(CLOSED - 60, Some(CLOSED - 30)), now),
            Err(LateRefusal::NoCloseTime)
        );
        assert_eq!(
            accepts_late(Some(CLOSED), 168, proof(CLOSED - 60, None), now),
            Err(LateRefusal::NoFinishTime)
        );
    }

    #[test]
    fn a_tablet_clock_a_little_ahead_is_forgiven_but_a_survey_finished_after_closing_is_not() {
        let now = CLOSED + 3600;
        let ahead = proof(CLOSED - 600, Some(CLOSED + CLOCK_SKEW_SECONDS));
        assert_eq!(accepts_late(Some(CLOSED), 168, ahead, now), Ok(()));
        let after = proof(CLOSED - 600, Some(CLOSED + CLOCK_SKEW_SECONDS + 1));
        assert_eq!(
            accepts_late(Some(CLOSED), 168, after, now),
            Err(LateRefusal::FinishedAfterClosing)
        );
    }
}
