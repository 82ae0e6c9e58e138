//! The error type of Heard's server functions: what the browser may learn
//! when something fails.
//!
//! Policy: messages here are for the person at the screen and say what to do.
//! Details (SQL errors, paths, ids) never cross into this type; they are
//! logged where they happen and replaced by [`AppError::Internal`].

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No session, or it has expired.
    #[error("Please log in to see this page.")]
    NotLoggedIn,
    /// Logged in, but the role does not allow this.
    #[error("Your account cannot see this page. Ask an admin if you need to.")]
    Forbidden,
    /// An admin's work needs the account's second factor set up first.
    #[error("Admin work needs a second factor: set one up on your account page (/account) first.")]
    SecondFactorNeeded,
    /// Unknown join code, closed round, or an id that does not exist.
    #[error("We could not find that. It may have been closed or removed.")]
    NotFound,
    /// A round's summary that viewers cannot see yet.
    #[error(
        "This round's summary has not been published yet. A worker publishes it when the round closes, or before."
    )]
    NotPublished,
    /// The round behind a join code has closed.
    #[error("This survey has closed. Ask your worker if there is a new one.")]
    Closed,
    /// Too many wrong guesses (join codes, passwords) from here; seconds to wait.
    #[error("Too many wrong tries have been made here. Please wait {} minutes, then try again.", (.0 + 59) / 60)]
    Throttled(i64),
    /// Input that breaks a rule; the message names the rule.
    #[error("{0}")]
    BadInput(String),
    /// Input that was read but cannot be taken as it is (an unknown option,
    /// an answer too long); the message names the problem.
    #[error("{0}")]
    Unprocessable(String),
    /// The request clashes with what is stored (an id used before for
    /// something else); the message says what.
    #[error("{0}")]
    Conflict(String),
    /// Something failed on the server; the log has the details.
    #[error("Something went wrong on our side. Please try again in a minute.")]
    Internal,
    /// Nothing was stored because the database could not take it just now
    /// (down, restarting, or its disk full): the same request, sent again
    /// in a few seconds, can succeed.
    #[error("Heard cannot store this just now. It will be tried again in a few seconds.")]
    Unavailable,
    /// The request did not reach the server function or its answer was garbled.
    #[error("Heard could not be reached. Check the connection and try again.")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server, these mean the request's arguments could not be
            // read: the caller's mistake, said without the decoder's words.
            // In the browser the same errors come from a garbled or cut-off
            // answer (a proxy's error page, a dropped stream), which is a
            // connection problem, not bad input.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => {
                AppError::BadInput("The request was not in the form Heard expects.".to_owned())
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

impl AppError {
    /// The HTTP status this error is answered with: the one mapping, used
    /// for server functions (by the middleware that sets their status),
    /// pages rendered on the server, file downloads and the JSON endpoint
    /// alike.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotLoggedIn => 401,
            AppError::Forbidden | AppError::SecondFactorNeeded => 403,
            AppError::NotFound | AppError::NotPublished => 404,
            AppError::Closed => 410,
            AppError::Throttled(_) => 429,
            AppError::BadInput(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::Unprocessable(_) => 422,
            AppError::Internal | AppError::Transport(_) => 500,
            AppError::Unavailable => 503,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::db::DbError> for AppError {
    fn from(error: crate::db::DbError) -> Self {
        tracing::error!(%error, "database error in a server function");
        AppError::Internal
    }
}
