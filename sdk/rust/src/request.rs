//! Request options, the request function and its response.
//!
//! A destination never links an HTTP stack: requests go through the host, which owns TLS,
//! timeouts, redirects, size caps and the redaction of secrets.

use crate::abi::{self, dk_request_options, dk_response, dk_str, dk_value};
use crate::call::{copy, service, str, Call};
use crate::error::{Error, HttpAnswer, Result};
use crate::json::Json;
use std::ptr;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    Text,
    /// The host checks that the body is JSON.
    Json,
}

/// The options of Segment's request client that destkit honours. Those left unset keep the
/// value of an earlier layer: host defaults, then extend_request, then the options of the call.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    pub method: Option<String>,
    pub prefix_url: Option<String>,
    pub headers: Vec<(String, String)>,
    /// With password: Authorization: Basic ...
    pub username: Option<String>,
    pub password: Option<String>,
    pub search_params: Vec<(String, String)>,
    /// The body, and content-type: application/json.
    pub json: Option<Json>,
    pub body: Option<String>,
    pub timeout: Option<Duration>,
    pub response_type: Option<ResponseType>,
    pub throw_http_errors: Option<bool>,
}

impl RequestOptions {
    pub fn new() -> RequestOptions {
        RequestOptions::default()
    }
    pub fn method(mut self, method: &str) -> RequestOptions {
        self.method = Some(method.to_string());
        self
    }
    pub fn prefix_url(mut self, url: impl Into<String>) -> RequestOptions {
        self.prefix_url = Some(url.into());
        self
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> RequestOptions {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    pub fn basic_auth(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> RequestOptions {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }
    pub fn search_param(mut self, name: &str, value: impl Into<String>) -> RequestOptions {
        self.search_params.push((name.to_string(), value.into()));
        self
    }
    pub fn json(mut self, json: Json) -> RequestOptions {
        self.json = Some(json);
        self
    }
    pub fn body(mut self, body: impl Into<String>) -> RequestOptions {
        self.body = Some(body.into());
        self
    }
    pub fn timeout(mut self, timeout: Duration) -> RequestOptions {
        self.timeout = Some(timeout);
        self
    }
    pub fn response_type(mut self, response_type: ResponseType) -> RequestOptions {
        self.response_type = Some(response_type);
        self
    }
    pub fn throw_http_errors(mut self, enabled: bool) -> RequestOptions {
        self.throw_http_errors = Some(enabled);
        self
    }
}

/// Writes `options` into a host options handle: extend_request's output, or one request's.
pub(crate) fn write_options(
    call: Call<'_>,
    out: *mut dk_request_options,
    options: &RequestOptions,
) -> Result<()> {
    // Calls one options service of the host; each copies its arguments before returning, so
    // borrowing `options` is enough.
    macro_rules! set {
        ($service:ident, $what:expr, $($argument:expr),+) => {{
            let service = service(call.host.$service, stringify!($service))?;
            call.check(unsafe { service(out, $($argument),+) }, $what)?;
        }};
    }
    if let Some(method) = &options.method {
        set!(options_set_method, "method", str(method));
    }
    if let Some(url) = &options.prefix_url {
        set!(options_set_prefix_url, "prefixUrl", str(url));
    }
    for (name, value) in &options.headers {
        set!(options_set_header, "headers", str(name), str(value));
    }
    if options.username.is_some() || options.password.is_some() {
        let username = options.username.as_deref().unwrap_or("");
        let password = options.password.as_deref().unwrap_or("");
        set!(
            options_set_basic_auth,
            "username/password",
            str(username),
            str(password)
        );
    }
    for (name, value) in &options.search_params {
        set!(
            options_add_search_param,
            "searchParams",
            str(name),
            str(value)
        );
    }
    if let Some(json) = &options.json {
        set!(options_set_json, "json", str(json.as_str()));
    }
    if let Some(body) = &options.body {
        set!(options_set_body, "body", str(body));
    }
    if let Some(timeout) = options.timeout {
        let ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        set!(options_set_timeout_ms, "timeout", ms);
    }
    if let Some(response_type) = options.response_type {
        let value = match response_type {
            ResponseType::Text => abi::DK_RESPONSE_TEXT,
            ResponseType::Json => abi::DK_RESPONSE_JSON,
        };
        set!(options_set_response_type, "responseType", value);
    }
    if let Some(enabled) = options.throw_http_errors {
        set!(
            options_set_throw_http_errors,
            "throwHttpErrors",
            i32::from(enabled)
        );
    }
    Ok(())
}

/// The request function handed to test_request and refresh_access_token.
pub struct Request<'a> {
    call: Call<'a>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(call: Call<'a>) -> Request<'a> {
        Request { call }
    }

    /// A GET with no options of its own.
    pub fn get(&self, url: &str) -> Result<Response<'a>> {
        self.send(url, &RequestOptions::default())
    }

    /// Sends one request. A relative `url` is joined to the prefix URL. A non-2xx answer is an
    /// error carrying the answer (`Error::http_answer`) unless throw_http_errors is false.
    pub fn send(&self, url: &str, options: &RequestOptions) -> Result<Response<'a>> {
        let call = self.call;
        let options_new = service(call.host.request_options_new, "request_options_new")?;
        let request_send = service(call.host.request_send, "request_send")?;
        let mut handle: *mut dk_request_options = ptr::null_mut();
        call.check(
            unsafe { options_new(call.raw, &mut handle) },
            "request_options_new",
        )?;
        write_options(call, handle, options)?;
        let mut raw: *mut dk_response = ptr::null_mut();
        let status = unsafe { request_send(call.raw, str(url), handle, &mut raw) };
        if status == abi::DK_ERR_HTTP && !raw.is_null() {
            let response = Response { call, raw };
            return Err(Error::http(HttpAnswer {
                status: response.status()?,
                reason: response.reason()?,
                body: response.body()?,
            }));
        }
        call.check(status, "request")?;
        if raw.is_null() {
            return Err(Error::internal("the host returned no response"));
        }
        Ok(Response { call, raw })
    }
}

/// One HTTP response, readable until the hook returns. It borrows the hook's call, so the
/// compiler refuses to keep it longer; this does not compile:
///
/// ```compile_fail,E0521
/// use std::cell::RefCell;
/// thread_local!(static KEPT: RefCell<Option<destkit::Response<'static>>> = RefCell::new(None));
/// let _ = destkit::test_request(|request, _| {
///     let response = request.get("/me")?;
///     KEPT.with(|kept| *kept.borrow_mut() = Some(response));
///     Ok(())
/// });
/// ```
pub struct Response<'a> {
    call: Call<'a>,
    raw: *const dk_response,
}

impl<'a> Response<'a> {
    pub fn status(&self) -> Result<i32> {
        let response_status = service(self.call.host.response_status, "response_status")?;
        let mut status = 0;
        self.call.check(
            unsafe { response_status(self.call.raw, self.raw, &mut status) },
            "response_status",
        )?;
        Ok(status)
    }

    /// The reason phrase ("Unauthorized").
    pub fn reason(&self) -> Result<String> {
        self.text(self.call.host.response_reason, "response_reason")
    }

    pub fn body(&self) -> Result<String> {
        self.text(self.call.host.response_body, "response_body")
    }

    /// A header by case-insensitive name; None when absent.
    pub fn header(&self, name: &str) -> Result<Option<String>> {
        let response_header = service(self.call.host.response_header, "response_header")?;
        let mut value = dk_str {
            data: ptr::null(),
            size: 0,
        };
        let status = unsafe { response_header(self.call.raw, self.raw, str(name), &mut value) };
        if status == abi::DK_ERR_NOT_FOUND {
            return Ok(None);
        }
        self.call.check(status, "response_header")?;
        Ok(Some(unsafe { copy(value) }))
    }

    /// A value in a JSON body by JSON Pointer ("/data/token"): a string as it is, anything
    /// else as JSON text; None when absent. Needs a host of ABI 1.1 or later.
    pub fn json(&self, pointer: &str) -> Result<Option<String>> {
        let json_value = service(
            self.call.host.response_json_value,
            "response_json_value (ABI 1.1)",
        )?;
        let mut value = dk_value {
            kind: abi::DK_VALUE_NULL,
            reserved: 0,
            text: str(""),
        };
        let status = unsafe { json_value(self.call.raw, self.raw, str(pointer), &mut value) };
        if status == abi::DK_ERR_NOT_FOUND {
            return Ok(None);
        }
        self.call.check(status, "response_json_value")?;
        Ok(Some(unsafe { copy(value.text) }))
    }

    fn text(
        &self,
        getter: Option<
            unsafe extern "C" fn(
                *mut abi::dk_call,
                *const dk_response,
                *mut dk_str,
            ) -> abi::dk_status,
        >,
        what: &str,
    ) -> Result<String> {
        let getter = service(getter, what)?;
        let mut out = dk_str {
            data: ptr::null(),
            size: 0,
        };
        self.call
            .check(unsafe { getter(self.call.raw, self.raw, &mut out) }, what)?;
        Ok(unsafe { copy(out) })
    }
}
