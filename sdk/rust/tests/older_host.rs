//! On a host of ABI 1.0 the SDK uses only the services that host has: it copies the host's
//! table no further than the host's struct_size, so an ABI 1.1 service is absent, and using
//! it is an error naming it instead of a call through memory past the host's struct.

use destkit::abi::*;
use destkit::{Authentication, Destination};
use std::ptr::{self, NonNull};
use std::sync::Mutex;

static ERRORS: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "C" fn set_error(_call: *mut dk_call, message: dk_str) -> dk_status {
    let text = std::slice::from_raw_parts(message.data, message.size);
    ERRORS
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(text).into_owned());
    DK_OK
}

unsafe extern "C" fn last_error(_call: *mut dk_call, out: *mut dk_str) -> dk_status {
    *out = dk_str {
        data: ptr::null(),
        size: 0,
    };
    DK_OK
}

unsafe extern "C" fn get_auth(_call: *mut dk_call, _name: dk_str, _out: *mut dk_str) -> dk_status {
    DK_ERR_NOT_FOUND
}

unsafe extern "C" fn request_options_new(
    _call: *mut dk_call,
    out: *mut *mut dk_request_options,
) -> dk_status {
    *out = NonNull::dangling().as_ptr();
    DK_OK
}

unsafe extern "C" fn request_send(
    _call: *mut dk_call,
    _url: dk_str,
    _options: *mut dk_request_options,
    out: *mut *mut dk_response,
) -> dk_status {
    *out = NonNull::dangling().as_ptr();
    DK_OK
}

// Set in the table past the 1.0 struct_size: the SDK must never call it.
unsafe extern "C" fn response_json_value(
    _call: *mut dk_call,
    _response: *const dk_response,
    _pointer: dk_str,
    _out: *mut dk_value,
) -> dk_status {
    DK_OK
}

fn reads_json() -> Destination {
    Destination {
        name: "Reads JSON",
        slug: "reads-json",
        authentication: Authentication {
            test_request: destkit::test_request(|request, _| {
                request.get("/me")?.json("/id")?;
                Ok(())
            }),
            ..Authentication::default()
        },
        ..Destination::default()
    }
}

destkit::export_destination!(reads_json);

#[test]
fn an_abi_1_1_service_on_a_1_0_host_is_an_error_naming_it() {
    // Safety: every member of dk_host_api is an integer or an optional function pointer.
    let mut host: dk_host_api = unsafe { std::mem::zeroed() };
    let base = &host as *const dk_host_api as usize;
    let abi_1_0_size = ptr::addr_of!(host.set_tokens) as usize - base;
    host.struct_size = abi_1_0_size as u32;
    host.abi_major = 1;
    host.abi_minor = 0;
    host.set_error = Some(set_error);
    host.last_error = Some(last_error);
    host.get_auth = Some(get_auth);
    host.request_options_new = Some(request_options_new);
    host.request_send = Some(request_send);
    host.response_json_value = Some(response_json_value);

    let plugin = unsafe { &*dk_plugin_entry(&host) };
    assert_eq!(plugin.min_host_abi_minor, 0);
    let test_request = plugin.on_test_request.expect("a test_request hook");
    let status = unsafe { test_request(NonNull::dangling().as_ptr()) };
    assert_eq!(status, DK_ERR_INTERNAL);
    assert_eq!(
        *ERRORS.lock().unwrap(),
        ["this host does not offer the response_json_value (ABI 1.1) service"]
    );
}
