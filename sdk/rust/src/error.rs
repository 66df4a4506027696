//! The error a hook returns: a status the host understands plus a message for people.

use crate::abi::{self, dk_status};
use std::fmt;

pub type Result<T> = std::result::Result<T, Error>;

/// Why a hook failed. Returned from a hook, it becomes the hook's `dk_status` and its message
/// goes to the host (`set_error`), which redacts the secrets it knows before showing it.
#[derive(Clone, Debug)]
pub struct Error {
    status: dk_status,
    message: String,
    http: Option<HttpAnswer>,
    setting: Option<(String, String)>,
}

/// The non-2xx answer behind an HTTP error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: i32,
    pub reason: String,
    pub body: String,
}

impl Error {
    /// The destination's own verdict: the credentials are wrong (for example a 2xx answer
    /// that says the account is suspended).
    pub fn invalid_credentials(message: impl Into<String>) -> Error {
        Error::new(abi::DK_ERR_INVALID_CREDENTIALS, message)
    }

    /// The settings cannot be used.
    pub fn invalid_settings(message: impl Into<String>) -> Error {
        Error::new(abi::DK_ERR_INVALID_SETTINGS, message)
    }

    /// The setting `field` (its key as declared) cannot be used. `why` completes a sentence
    /// whose subject is the field's label: `Error::invalid_setting("apiKey", "must start with
    /// sk_")` reads "API Key must start with sk_." under that field, as the host's own settings
    /// problems do (a host older than ABI 1.2 shows "Settings are invalid: apiKey must start
    /// with sk_").
    pub fn invalid_setting(field: impl Into<String>, why: impl Into<String>) -> Error {
        let (field, why) = (field.into(), why.into());
        let mut error = Error::new(abi::DK_ERR_INVALID_SETTINGS, format!("{} {}", field, why));
        error.setting = Some((field, why));
        error
    }

    /// Anything else: a bug or an unexpected failure.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(abi::DK_ERR_INTERNAL, message)
    }

    pub(crate) fn new(status: dk_status, message: impl Into<String>) -> Error {
        // DK_OK with a message would tell the host the hook succeeded.
        let status = if status == abi::DK_OK {
            abi::DK_ERR_INTERNAL
        } else {
            status
        };
        Error {
            status,
            message: message.into(),
            http: None,
            setting: None,
        }
    }

    pub(crate) fn http(answer: HttpAnswer) -> Error {
        let message = format!("{} {}", answer.status, answer.reason);
        Error {
            status: abi::DK_ERR_HTTP,
            message,
            http: Some(answer),
            setting: None,
        }
    }

    /// One of the `DK_ERR_*` statuses of `abi.h`.
    pub fn status(&self) -> dk_status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The setting an `invalid_setting` error names, and why it cannot be used.
    pub fn setting(&self) -> Option<(&str, &str)> {
        self.setting
            .as_ref()
            .map(|(field, why)| (field.as_str(), why.as_str()))
    }

    /// The server's answer when a request got a non-2xx status.
    pub fn http_answer(&self) -> Option<&HttpAnswer> {
        self.http.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
