//! destkit for Rust: write a destination plugin in Rust against the C ABI of
//! `sdk/include/destkit/abi.h`, with no dependency but the standard library.
//!
//! A destination is one `Destination` value returned by a function, exported with
//! `export_destination!`, which generates the library's one C symbol, `dk_plugin_entry`:
//!
//! ```no_run
//! use destkit::{Destination, Authentication, Field, FieldType, RequestOptions, Scheme};
//!
//! fn acme() -> Destination {
//!     Destination {
//!         name: "Acme",
//!         slug: "acme",
//!         version: "1.0.0",
//!         authentication: Authentication {
//!             scheme: Scheme::Custom,
//!             fields: vec![Field::new("apiKey", "API Key", FieldType::Password).required()],
//!             test_request: destkit::test_request(|request, _| request.get("/me").map(drop)),
//!             ..Authentication::default()
//!         },
//!         extend_request: destkit::extend_request(|input| {
//!             Ok(RequestOptions::new()
//!                 .prefix_url("https://api.acme.com")
//!                 .header("Authorization", format!("Bearer {}", input.settings.string("apiKey")?)))
//!         }),
//!         ..Destination::default()
//!     }
//! }
//!
//! destkit::export_destination!(acme);
//! ```
//!
//! Hooks return `destkit::Result`; an `Err` becomes the hook's status and message, and a
//! panic is caught at the boundary and reported as a failure with the panic's message: nothing
//! unwinds into the host. Strings from the host are copied, and everything that holds a host
//! handle (`Request`, `Response`, `Input`) borrows the hook call, so it cannot outlive it.
//!
//! Build the crate as a `staticlib` and link it with `destkit_add_rust_plugin()` (CMake),
//! which exports `dk_plugin_entry` and nothing else: see `docs/write-a-destination-in-rust.md`.

pub mod abi;
mod call;
mod definition;
mod destination;
mod error;
#[doc(hidden)]
pub mod export;
mod input;
mod json;
mod request;

pub use definition::{Field, FieldType, Scheme};
pub use destination::{
    extend_request, refresh_access_token, test_request, Authentication, Destination, ExtendRequest,
    RefreshAccessToken, TestRequest,
};
pub use error::{Error, HttpAnswer, Result};
pub use input::{Auth, Input, Log, OAuthClient, RefreshInput, Settings, Tokens};
pub use json::Json;
pub use request::{Request, RequestOptions, Response, ResponseType};

/// Exports the destination returned by `$factory` (a `fn() -> Destination`) as this library's
/// plugin: generates `dk_plugin_entry`. Use it exactly once per plugin.
#[macro_export]
macro_rules! export_destination {
    ($factory:path) => {
        #[cfg(panic = "abort")]
        compile_error!(
            "destkit catches panics at the C ABI: build with panic = \"unwind\" (the default)"
        );

        /// The plugin's one exported symbol: returns its static descriptor (see abi.h).
        #[no_mangle]
        pub extern "C" fn dk_plugin_entry(
            host: *const $crate::abi::dk_host_api,
        ) -> *const $crate::abi::dk_plugin {
            // Safety: the host passes its service table, as abi.h states.
            unsafe { $crate::export::entry(host, $factory) }
        }
    };
}
