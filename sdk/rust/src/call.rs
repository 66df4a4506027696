//! The host services of one hook call. A `Call` borrows the hook's lifetime `'a`, so nothing
//! built on it (settings, requests, responses) can outlive the hook that received the handle.

use crate::abi::{self, dk_call, dk_host_api, dk_status, dk_str};
use crate::error::{Error, Result};
use std::marker::PhantomData;

#[derive(Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) host: &'static dk_host_api,
    pub(crate) raw: *mut dk_call,
    hook: PhantomData<&'a mut dk_call>,
}

/// Borrows `text` for one service call; the host copies it before the service returns.
pub(crate) fn str(text: &str) -> dk_str {
    dk_str {
        data: text.as_ptr(),
        size: text.len(),
    }
}

/// Copies a string the host returned: it is only valid until the hook returns.
///
/// # Safety
/// `text` must come from a host service of the running hook call.
pub(crate) unsafe fn copy(text: dk_str) -> String {
    if text.data.is_null() || text.size == 0 {
        return String::new();
    }
    String::from_utf8_lossy(std::slice::from_raw_parts(text.data, text.size)).into_owned()
}

/// A host service, or the reason it cannot be used: a member the host left NULL, such as an
/// ABI 1.1 service on a 1.0 host (the SDK copies only the host's struct_size bytes of the
/// service table, so members an older host lacks read as None).
pub(crate) fn service<F>(member: Option<F>, name: &str) -> Result<F> {
    member.ok_or_else(|| Error::internal(format!("this host does not offer the {} service", name)))
}

impl<'a> Call<'a> {
    /// # Safety
    /// `raw` must be the handle the host passed to the hook now running on this thread.
    pub(crate) unsafe fn new(host: &'static dk_host_api, raw: *mut dk_call) -> Call<'a> {
        Call {
            host,
            raw,
            hook: PhantomData,
        }
    }

    /// Turns a failed service status into an error carrying the host's explanation.
    pub(crate) fn check(&self, status: dk_status, what: &str) -> Result<()> {
        if status == abi::DK_OK {
            return Ok(());
        }
        let mut message = self.last_error();
        if message.is_empty() {
            message = format!("{} failed", what);
        }
        Err(Error::new(status, message))
    }

    fn last_error(&self) -> String {
        let last_error = match self.host.last_error {
            Some(f) => f,
            None => return String::new(),
        };
        let mut message = dk_str {
            data: std::ptr::null(),
            size: 0,
        };
        unsafe {
            last_error(self.raw, &mut message);
            copy(message)
        }
    }

    /// Hands the host the message that explains the status the hook is about to return.
    pub(crate) fn set_error(&self, message: &str) {
        if let Some(set_error) = self.host.set_error {
            unsafe { set_error(self.raw, str(message)) };
        }
    }

    /// Names the setting at fault, where the host offers it (ABI 1.2).
    pub(crate) fn set_invalid_setting(&self, field: &str, why: &str) {
        if let Some(set_invalid_setting) = self.host.set_invalid_setting {
            unsafe { set_invalid_setting(self.raw, str(field), str(why)) };
        }
    }

    pub(crate) fn log(&self, level: i32, message: &str) {
        if let Some(log) = self.host.log {
            unsafe { log(self.raw, level, str(message)) };
        }
    }

    /// The authentication material named `name`, or "" when the host has none.
    pub(crate) fn auth(&self, name: &str) -> Result<String> {
        let get_auth = service(self.host.get_auth, "get_auth")?;
        let mut value = dk_str {
            data: std::ptr::null(),
            size: 0,
        };
        let status = unsafe { get_auth(self.raw, str(name), &mut value) };
        if status == abi::DK_ERR_NOT_FOUND {
            return Ok(String::new());
        }
        self.check(status, "get_auth")?;
        Ok(unsafe { copy(value) })
    }
}
