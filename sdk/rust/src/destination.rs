//! A whole destination as one value, as the docs write it in JavaScript.

use crate::definition::{Field, Scheme};
use crate::error::Result;
use crate::input::{Input, RefreshInput, Tokens};
use crate::request::{Request, RequestOptions};

/// Checks the credentials; `Ok(())` means they work.
pub type TestRequest = Box<dyn Fn(&Request<'_>, &Input<'_>) -> Result<()> + Send + Sync>;
/// The options applied to every request of the destination.
pub type ExtendRequest = Box<dyn Fn(&Input<'_>) -> Result<RequestOptions> + Send + Sync>;
/// oauth2 only: new tokens from a token endpoint that is not the standard refresh grant.
pub type RefreshAccessToken =
    Box<dyn Fn(&Request<'_>, &RefreshInput<'_>) -> Result<Tokens> + Send + Sync>;

pub struct Authentication {
    pub scheme: Scheme,
    pub fields: Vec<Field>,
    /// Optional: without it the host cannot verify credentials.
    pub test_request: Option<TestRequest>,
    /// Optional: without it the host uses the standard refresh_token grant. A destination
    /// that sets it needs a host of ABI 1.1 or later (the SDK states so in its descriptor).
    pub refresh_access_token: Option<RefreshAccessToken>,
}

impl Default for Authentication {
    fn default() -> Authentication {
        Authentication {
            scheme: Scheme::Custom,
            fields: Vec::new(),
            test_request: None,
            refresh_access_token: None,
        }
    }
}

pub struct Destination {
    pub name: &'static str,
    /// The stable identifier: lower-case letters, digits and dashes.
    pub slug: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    pub authentication: Authentication,
    /// Optional.
    pub extend_request: Option<ExtendRequest>,
}

impl Default for Destination {
    fn default() -> Destination {
        Destination {
            name: "",
            slug: "",
            version: "0.0.0",
            description: "",
            authentication: Authentication::default(),
            extend_request: None,
        }
    }
}

// These wrap a closure in the hook's type; they let the compiler infer the closure's argument
// types, which a bare `Some(Box::new(|request, input| ...))` does not.

pub fn test_request<F>(hook: F) -> Option<TestRequest>
where
    F: Fn(&Request<'_>, &Input<'_>) -> Result<()> + Send + Sync + 'static,
{
    Some(Box::new(hook))
}

pub fn extend_request<F>(hook: F) -> Option<ExtendRequest>
where
    F: Fn(&Input<'_>) -> Result<RequestOptions> + Send + Sync + 'static,
{
    Some(Box::new(hook))
}

pub fn refresh_access_token<F>(hook: F) -> Option<RefreshAccessToken>
where
    F: Fn(&Request<'_>, &RefreshInput<'_>) -> Result<Tokens> + Send + Sync + 'static,
{
    Some(Box::new(hook))
}
