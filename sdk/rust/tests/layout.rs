//! The Rust mirror of abi.h must have the C compiler's layout: the same size for every
//! struct, the same offset for every member, the same value for every constant.
//!
//! tests/abi/print_layout.c prints those numbers as C sees them; this test prints the same
//! lines for src/abi.rs and compares. Run it with DESTKIT_C_LAYOUT naming the built printer
//! (ctest does).

use destkit::abi::*;
use std::mem::{size_of, MaybeUninit};
use std::process::Command;

macro_rules! size {
    ($out:ident, $type:ty) => {
        $out.push(format!("size {} {}", stringify!($type), size_of::<$type>()));
    };
}

macro_rules! offset {
    ($out:ident, $type:ty, $member:ident) => {{
        let value = MaybeUninit::<$type>::uninit();
        let base = value.as_ptr();
        // Only addresses are taken: nothing uninitialised is read.
        let member = unsafe { std::ptr::addr_of!((*base).$member) };
        let offset = member as usize - base as usize;
        $out.push(format!(
            "offset {}.{} {}",
            stringify!($type),
            stringify!($member),
            offset
        ));
    }};
}

macro_rules! constant {
    ($out:ident, $name:ident) => {
        $out.push(format!("const {} {}", stringify!($name), $name as i64));
    };
}

fn rust_layout() -> Vec<String> {
    let mut out = Vec::new();
    size!(out, dk_str);
    offset!(out, dk_str, data);
    offset!(out, dk_str, size);

    size!(out, dk_value);
    offset!(out, dk_value, kind);
    offset!(out, dk_value, reserved);
    offset!(out, dk_value, text);

    size!(out, dk_host_api);
    offset!(out, dk_host_api, struct_size);
    offset!(out, dk_host_api, abi_major);
    offset!(out, dk_host_api, abi_minor);
    offset!(out, dk_host_api, log);
    offset!(out, dk_host_api, set_error);
    offset!(out, dk_host_api, last_error);
    offset!(out, dk_host_api, get_setting);
    offset!(out, dk_host_api, get_settings_json);
    offset!(out, dk_host_api, get_auth);
    offset!(out, dk_host_api, options_set_prefix_url);
    offset!(out, dk_host_api, options_set_header);
    offset!(out, dk_host_api, options_set_basic_auth);
    offset!(out, dk_host_api, options_add_search_param);
    offset!(out, dk_host_api, options_set_timeout_ms);
    offset!(out, dk_host_api, options_set_response_type);
    offset!(out, dk_host_api, options_set_throw_http_errors);
    offset!(out, dk_host_api, options_set_method);
    offset!(out, dk_host_api, options_set_body);
    offset!(out, dk_host_api, options_set_json);
    offset!(out, dk_host_api, request_options_new);
    offset!(out, dk_host_api, request_send);
    offset!(out, dk_host_api, response_status);
    offset!(out, dk_host_api, response_reason);
    offset!(out, dk_host_api, response_body);
    offset!(out, dk_host_api, response_header);
    offset!(out, dk_host_api, set_tokens);
    offset!(out, dk_host_api, response_json_value);
    offset!(out, dk_host_api, set_invalid_setting);

    size!(out, dk_plugin);
    offset!(out, dk_plugin, struct_size);
    offset!(out, dk_plugin, abi_major);
    offset!(out, dk_plugin, abi_minor);
    offset!(out, dk_plugin, magic);
    offset!(out, dk_plugin, min_host_abi_minor);
    offset!(out, dk_plugin, reserved);
    offset!(out, dk_plugin, slug);
    offset!(out, dk_plugin, version);
    offset!(out, dk_plugin, definition_json);
    offset!(out, dk_plugin, on_test_request);
    offset!(out, dk_plugin, on_extend_request);
    offset!(out, dk_plugin, on_refresh_access_token);

    constant!(out, DK_ABI_MAJOR);
    constant!(out, DK_ABI_MINOR);
    constant!(out, DK_PLUGIN_MAGIC);
    constant!(out, DK_OK);
    constant!(out, DK_ERR_INVALID_ARGUMENT);
    constant!(out, DK_ERR_NOT_FOUND);
    constant!(out, DK_ERR_HTTP);
    constant!(out, DK_ERR_NETWORK);
    constant!(out, DK_ERR_BAD_RESPONSE);
    constant!(out, DK_ERR_INVALID_CREDENTIALS);
    constant!(out, DK_ERR_INVALID_SETTINGS);
    constant!(out, DK_ERR_INTERNAL);
    constant!(out, DK_VALUE_NULL);
    constant!(out, DK_VALUE_BOOL);
    constant!(out, DK_VALUE_NUMBER);
    constant!(out, DK_VALUE_STRING);
    constant!(out, DK_VALUE_ARRAY);
    constant!(out, DK_VALUE_OBJECT);
    constant!(out, DK_LOG_DEBUG);
    constant!(out, DK_LOG_INFO);
    constant!(out, DK_LOG_WARN);
    constant!(out, DK_LOG_ERROR);
    constant!(out, DK_RESPONSE_TEXT);
    constant!(out, DK_RESPONSE_JSON);
    out
}

fn c_layout() -> Vec<String> {
    let printer = std::env::var("DESTKIT_C_LAYOUT")
        .expect("DESTKIT_C_LAYOUT must name the built tests/abi/print_layout.c");
    let output = Command::new(&printer)
        .output()
        .expect("the C layout printer runs");
    assert!(output.status.success(), "{} failed", printer);
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_size_offset_and_constant_matches_the_c_compiler() {
    let c = c_layout();
    let rust = rust_layout();
    let only_c: Vec<&String> = c.iter().filter(|line| !rust.contains(line)).collect();
    let only_rust: Vec<&String> = rust.iter().filter(|line| !c.contains(line)).collect();
    assert!(
        only_c.is_empty() && only_rust.is_empty(),
        "abi.rs differs from abi.h\n  C says:    {:?}\n  Rust says: {:?}",
        only_c,
        only_rust
    );
    assert_eq!(
        c, rust,
        "same lines, different order: keep print_layout.c and layout.rs in step"
    );
}
