//! The entry point and the hooks the host calls: where Rust meets the C ABI.
//!
//! Nothing unwinds across the line. Every hook runs the destination's closure inside
//! catch_unwind; an `Err` becomes its status and message, a panic becomes DK_ERR_INTERNAL
//! with the panic's message. Both messages go to the host's set_error, which redacts secrets.

use crate::abi::{self, dk_call, dk_host_api, dk_plugin, dk_request_options, dk_status};
use crate::call::{service, str, Call};
use crate::definition::definition_json;
use crate::destination::Destination;
use crate::error::Result;
use crate::input::{Input, RefreshInput};
use crate::request::{write_options, Request};
use std::any::Any;
use std::cell::Cell;
use std::ffi::CString;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

/// Everything the plugin keeps for the life of the process. Each plugin library links its own
/// copy of this crate, so these statics are never shared between plugins.
struct Plugin {
    host: &'static dk_host_api,
    destination: Destination,
    descriptor: dk_plugin,
    _strings: [CString; 3], // what descriptor's slug, version and definition_json point into
}

static PLUGIN: AtomicPtr<Plugin> = AtomicPtr::new(ptr::null_mut());
static LOAD: Once = Once::new();

thread_local! {
    /// Where the last panic on this thread happened, for the message the host receives.
    static PANIC_LOCATION: Cell<Option<String>> = Cell::new(None);
}

/// The body of `dk_plugin_entry`, which `export_destination!` generates.
///
/// # Safety
/// `host` must be NULL or point to the host's service table, as `abi.h` states.
#[doc(hidden)]
pub unsafe fn entry(host: *const dk_host_api, factory: fn() -> Destination) -> *const dk_plugin {
    LOAD.call_once(|| {
        let host = match copy_host(host) {
            Some(host) => host,
            None => return,
        };
        install_panic_hook();
        match panic::catch_unwind(|| Plugin::new(host, factory())) {
            Ok(Ok(plugin)) => PLUGIN.store(Box::into_raw(Box::new(plugin)), Ordering::Release),
            Ok(Err(why)) => refuse(host, &why),
            Err(payload) => refuse(host, &panic_message(payload)),
        }
    });
    match PLUGIN.load(Ordering::Acquire).as_ref() {
        Some(plugin) => &plugin.descriptor,
        None => ptr::null(),
    }
}

/// Copies the host's service table the way abi.h asks: min(struct_size, our size) bytes into
/// a zeroed table, so services an older host does not have read as None. Kept for the
/// process's life, as the host's own table is.
unsafe fn copy_host(host: *const dk_host_api) -> Option<&'static dk_host_api> {
    let given = host.as_ref()?;
    if given.abi_major != abi::DK_ABI_MAJOR {
        return None;
    }
    let mut table = std::mem::MaybeUninit::<dk_host_api>::zeroed();
    let size = (given.struct_size as usize).min(std::mem::size_of::<dk_host_api>());
    ptr::copy_nonoverlapping(host as *const u8, table.as_mut_ptr() as *mut u8, size);
    Some(Box::leak(Box::new(table.assume_init())))
}

/// Panics report to the host through set_error; the default hook would also print the
/// message, secrets and all, on the host's stderr. This library's panics only: each plugin
/// links its own standard library.
fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        let _ = PANIC_LOCATION.try_with(|cell| cell.set(location));
    }));
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = match payload.downcast_ref::<&str>() {
        Some(text) => text.to_string(),
        None => match payload.downcast_ref::<String>() {
            Some(text) => text.clone(),
            None => "a panic without a message".to_string(),
        },
    };
    match PANIC_LOCATION.try_with(Cell::take).ok().flatten() {
        Some(location) => format!("panicked at {}: {}", location, message),
        None => format!("panicked: {}", message),
    }
}

fn refuse(host: &dk_host_api, why: &str) {
    if let Some(log) = host.log {
        let message = format!("the destination could not be loaded: {}", why);
        unsafe { log(ptr::null_mut(), abi::DK_LOG_ERROR, str(&message)) };
    }
}

impl Plugin {
    fn new(
        host: &'static dk_host_api,
        destination: Destination,
    ) -> std::result::Result<Plugin, String> {
        let auth = &destination.authentication;
        let definition = definition_json(
            destination.name,
            destination.slug,
            destination.version,
            destination.description,
            auth.scheme,
            &auth.fields,
        );
        let c_string = |text: String, what: &str| {
            CString::new(text).map_err(|_| format!("its {} holds a NUL byte", what))
        };
        let strings = [
            c_string(destination.slug.to_string(), "slug")?,
            c_string(destination.version.to_string(), "version")?,
            c_string(definition, "definition")?,
        ];
        let descriptor = dk_plugin {
            struct_size: std::mem::size_of::<dk_plugin>() as u32,
            abi_major: abi::DK_ABI_MAJOR,
            abi_minor: abi::DK_ABI_MINOR,
            magic: abi::DK_PLUGIN_MAGIC,
            // refresh_access_token needs the 1.1 services; without it any 1.x host will do.
            min_host_abi_minor: if auth.refresh_access_token.is_some() {
                1
            } else {
                0
            },
            reserved: 0,
            slug: strings[0].as_ptr(),
            version: strings[1].as_ptr(),
            definition_json: strings[2].as_ptr(),
            on_test_request: auth.test_request.as_ref().map(|_| on_test_request as _),
            on_extend_request: destination
                .extend_request
                .as_ref()
                .map(|_| on_extend_request as _),
            on_refresh_access_token: auth
                .refresh_access_token
                .as_ref()
                .map(|_| on_refresh_access_token as _),
        };
        Ok(Plugin {
            host,
            destination,
            descriptor,
            _strings: strings,
        })
    }
}

/// Runs one hook: its closure inside catch_unwind, its outcome turned into a status.
fn guarded<F>(raw: *mut dk_call, body: F) -> dk_status
where
    F: FnOnce(&Destination, Call<'_>) -> Result<()>,
{
    let plugin = match unsafe { PLUGIN.load(Ordering::Acquire).as_ref() } {
        Some(plugin) => plugin,
        None => return abi::DK_ERR_INTERNAL,
    };
    // The host passes each hook the handle of its own call, on this thread.
    let call = unsafe { Call::new(plugin.host, raw) };
    match panic::catch_unwind(AssertUnwindSafe(|| body(&plugin.destination, call))) {
        Ok(Ok(())) => abi::DK_OK,
        Ok(Err(error)) => {
            if let Some((field, why)) = error.setting() {
                call.set_invalid_setting(field, why);
            }
            call.set_error(error.message());
            error.status()
        }
        Err(payload) => {
            call.set_error(&panic_message(payload));
            abi::DK_ERR_INTERNAL
        }
    }
}

unsafe extern "C" fn on_test_request(raw: *mut dk_call) -> dk_status {
    guarded(raw, |destination, call| {
        match &destination.authentication.test_request {
            Some(hook) => hook(&Request::new(call), &Input::new(call)?),
            None => Ok(()),
        }
    })
}

unsafe extern "C" fn on_extend_request(
    raw: *mut dk_call,
    out: *mut dk_request_options,
) -> dk_status {
    guarded(raw, |destination, call| match &destination.extend_request {
        Some(hook) => write_options(call, out, &hook(&Input::new(call)?)?),
        None => Ok(()),
    })
}

unsafe extern "C" fn on_refresh_access_token(raw: *mut dk_call) -> dk_status {
    guarded(raw, |destination, call| {
        match &destination.authentication.refresh_access_token {
            Some(hook) => {
                let tokens = hook(&Request::new(call), &RefreshInput::new(call)?)?;
                let expires_in = tokens
                    .expires_in
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                let set_tokens = service(call.host.set_tokens, "set_tokens (ABI 1.1)")?;
                let status = set_tokens(
                    call.raw,
                    str(&tokens.access_token),
                    str(&tokens.refresh_token),
                    expires_in,
                );
                call.check(status, "set_tokens")
            }
            None => Ok(()),
        }
    })
}
