//! What a hook receives besides the request function: settings, auth tokens and a log.
//!
//! The host has validated the settings against the destination's fields before any hook runs:
//! required fields are present, types are right, defaults are applied.

use crate::abi::{self, dk_str, dk_value};
use crate::call::{copy, service, str, Call};
use crate::error::{Error, Result};
use std::time::Duration;

pub struct Settings<'a> {
    call: Call<'a>,
}

impl<'a> Settings<'a> {
    pub(crate) fn new(call: Call<'a>) -> Settings<'a> {
        Settings { call }
    }

    pub fn string(&self, key: &str) -> Result<String> {
        self.require(key, abi::DK_VALUE_STRING)
    }

    /// None when the setting is absent or not a string.
    pub fn optional_string(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .lookup(key)?
            .filter(|(kind, _)| *kind == abi::DK_VALUE_STRING)
            .map(|(_, text)| text))
    }

    pub fn number(&self, key: &str) -> Result<f64> {
        let text = self.require(key, abi::DK_VALUE_NUMBER)?;
        text.parse()
            .map_err(|_| Error::invalid_setting(key, "is not a number"))
    }

    pub fn integer(&self, key: &str) -> Result<i64> {
        let text = self.require(key, abi::DK_VALUE_NUMBER)?;
        text.parse()
            .map_err(|_| Error::invalid_setting(key, "is not a whole number that fits in an i64"))
    }

    pub fn boolean(&self, key: &str) -> Result<bool> {
        Ok(self.require(key, abi::DK_VALUE_BOOL)? == "true")
    }

    /// Any setting (object, array, ...) as JSON text.
    pub fn json(&self, key: &str) -> Result<String> {
        match self.lookup(key)? {
            Some((_, text)) => Ok(text),
            None => Err(not_set(key)),
        }
    }

    /// All settings as one JSON object.
    pub fn to_json(&self) -> Result<String> {
        let get_settings_json = service(self.call.host.get_settings_json, "get_settings_json")?;
        let mut out = dk_str {
            data: std::ptr::null(),
            size: 0,
        };
        self.call.check(
            unsafe { get_settings_json(self.call.raw, &mut out) },
            "get_settings_json",
        )?;
        Ok(unsafe { copy(out) })
    }

    /// The kind and text of a setting, copied; None when it is absent.
    fn lookup(&self, key: &str) -> Result<Option<(i32, String)>> {
        let get_setting = service(self.call.host.get_setting, "get_setting")?;
        let mut value = dk_value {
            kind: abi::DK_VALUE_NULL,
            reserved: 0,
            text: str(""),
        };
        let status = unsafe { get_setting(self.call.raw, str(key), &mut value) };
        if status == abi::DK_ERR_NOT_FOUND {
            return Ok(None);
        }
        self.call.check(status, "get_setting")?;
        Ok(Some((value.kind, unsafe { copy(value.text) })))
    }

    fn require(&self, key: &str, kind: i32) -> Result<String> {
        match self.lookup(key)? {
            None => Err(not_set(key)),
            Some((abi::DK_VALUE_NULL, _)) => Err(not_set(key)),
            Some((found, text)) if found == kind => Ok(text),
            Some(_) => Err(Error::invalid_setting(
                key,
                format!("is not {}", kind_name(kind)),
            )),
        }
    }
}

fn not_set(key: &str) -> Error {
    Error::invalid_setting(key, "is not set")
}

/// What a setting read as `kind` must be, completing "LABEL is not ...".
fn kind_name(kind: i32) -> &'static str {
    match kind {
        abi::DK_VALUE_STRING => "text",
        abi::DK_VALUE_NUMBER => "a number",
        abi::DK_VALUE_BOOL => "true or false",
        _ => "of the type the destination reads",
    }
}

/// Authentication material the host holds (OAuth schemes): empty when there is none.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    pub access_token: String,
    pub refresh_token: String,
}

/// Log lines attributed to the destination. The host redacts the secrets it knows.
pub struct Log<'a> {
    call: Call<'a>,
}

impl<'a> Log<'a> {
    pub fn debug(&self, message: &str) {
        self.call.log(abi::DK_LOG_DEBUG, message)
    }
    pub fn info(&self, message: &str) {
        self.call.log(abi::DK_LOG_INFO, message)
    }
    pub fn warn(&self, message: &str) {
        self.call.log(abi::DK_LOG_WARN, message)
    }
    pub fn error(&self, message: &str) {
        self.call.log(abi::DK_LOG_ERROR, message)
    }
}

/// What test_request and extend_request receive.
pub struct Input<'a> {
    pub settings: Settings<'a>,
    pub auth: Auth,
    pub log: Log<'a>,
}

impl<'a> Input<'a> {
    pub(crate) fn new(call: Call<'a>) -> Result<Input<'a>> {
        let auth = Auth {
            access_token: call.auth("accessToken")?,
            refresh_token: call.auth("refreshToken")?,
        };
        Ok(Input {
            settings: Settings::new(call),
            auth,
            log: Log { call },
        })
    }
}

/// What refresh_access_token receives: the OAuth client and the current tokens.
#[derive(Clone, Debug, Default)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub struct RefreshInput<'a> {
    pub settings: Settings<'a>,
    pub auth: OAuthClient,
    pub log: Log<'a>,
}

impl<'a> RefreshInput<'a> {
    pub(crate) fn new(call: Call<'a>) -> Result<RefreshInput<'a>> {
        let auth = OAuthClient {
            client_id: call.auth("clientId")?,
            client_secret: call.auth("clientSecret")?,
            access_token: call.auth("accessToken")?,
            refresh_token: call.auth("refreshToken")?,
        };
        Ok(RefreshInput {
            settings: Settings::new(call),
            auth,
            log: Log { call },
        })
    }
}

/// What refresh_access_token returns. An empty refresh_token keeps the current one.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: Option<Duration>,
}
