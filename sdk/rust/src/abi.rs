//! The C ABI of `sdk/include/destkit/abi.h`, type for type and member for member.
//!
//! `abi.h` is the contract; this module only mirrors it, and `tests/layout.rs` checks every
//! size, offset and constant here against the C compiler's. Read `abi.h` for who owns what
//! and for how long. Function pointers are `Option`s because the host may leave a member
//! it does not know (a newer service) NULL.
#![allow(non_camel_case_types)]

use std::marker::{PhantomData, PhantomPinned};

pub const DK_ABI_MAJOR: u16 = 1;
pub const DK_ABI_MINOR: u16 = 2;
pub const DK_PLUGIN_MAGIC: u32 = 0x4C50_4B44;
pub const DK_PLUGIN_ENTRY_SYMBOL: &str = "dk_plugin_entry";

pub type dk_status = i32;
pub const DK_OK: dk_status = 0;
pub const DK_ERR_INVALID_ARGUMENT: dk_status = 1;
pub const DK_ERR_NOT_FOUND: dk_status = 2;
pub const DK_ERR_HTTP: dk_status = 3;
pub const DK_ERR_NETWORK: dk_status = 4;
pub const DK_ERR_BAD_RESPONSE: dk_status = 5;
pub const DK_ERR_INVALID_CREDENTIALS: dk_status = 6;
pub const DK_ERR_INVALID_SETTINGS: dk_status = 7;
pub const DK_ERR_INTERNAL: dk_status = 8;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dk_str {
    pub data: *const u8,
    pub size: usize,
}

pub const DK_VALUE_NULL: i32 = 0;
pub const DK_VALUE_BOOL: i32 = 1;
pub const DK_VALUE_NUMBER: i32 = 2;
pub const DK_VALUE_STRING: i32 = 3;
pub const DK_VALUE_ARRAY: i32 = 4;
pub const DK_VALUE_OBJECT: i32 = 5;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dk_value {
    pub kind: i32,
    pub reserved: u16,
    pub text: dk_str,
}

pub const DK_LOG_DEBUG: i32 = 0;
pub const DK_LOG_INFO: i32 = 1;
pub const DK_LOG_WARN: i32 = 2;
pub const DK_LOG_ERROR: i32 = 3;

pub const DK_RESPONSE_TEXT: i32 = 0;
pub const DK_RESPONSE_JSON: i32 = 1;

/// Host-owned handles: opaque, never created, moved or freed by the plugin.
macro_rules! opaque {
    ($name:ident) => {
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _not_send_sync_or_unpin: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}
opaque!(dk_call);
opaque!(dk_request_options);
opaque!(dk_response);

#[repr(C)]
pub struct dk_host_api {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,

    pub log: Option<unsafe extern "C" fn(*mut dk_call, i32, dk_str)>,
    pub set_error: Option<unsafe extern "C" fn(*mut dk_call, dk_str) -> dk_status>,
    pub last_error: Option<unsafe extern "C" fn(*mut dk_call, *mut dk_str) -> dk_status>,

    pub get_setting: Option<unsafe extern "C" fn(*mut dk_call, dk_str, *mut dk_value) -> dk_status>,
    pub get_settings_json: Option<unsafe extern "C" fn(*mut dk_call, *mut dk_str) -> dk_status>,
    pub get_auth: Option<unsafe extern "C" fn(*mut dk_call, dk_str, *mut dk_str) -> dk_status>,

    pub options_set_prefix_url:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str) -> dk_status>,
    pub options_set_header:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str, dk_str) -> dk_status>,
    pub options_set_basic_auth:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str, dk_str) -> dk_status>,
    pub options_add_search_param:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str, dk_str) -> dk_status>,
    pub options_set_timeout_ms:
        Option<unsafe extern "C" fn(*mut dk_request_options, i64) -> dk_status>,
    pub options_set_response_type:
        Option<unsafe extern "C" fn(*mut dk_request_options, i32) -> dk_status>,
    pub options_set_throw_http_errors:
        Option<unsafe extern "C" fn(*mut dk_request_options, i32) -> dk_status>,
    pub options_set_method:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str) -> dk_status>,
    pub options_set_body:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str) -> dk_status>,
    pub options_set_json:
        Option<unsafe extern "C" fn(*mut dk_request_options, dk_str) -> dk_status>,

    pub request_options_new:
        Option<unsafe extern "C" fn(*mut dk_call, *mut *mut dk_request_options) -> dk_status>,
    pub request_send: Option<
        unsafe extern "C" fn(
            *mut dk_call,
            dk_str,
            *mut dk_request_options,
            *mut *mut dk_response,
        ) -> dk_status,
    >,
    pub response_status:
        Option<unsafe extern "C" fn(*mut dk_call, *const dk_response, *mut i32) -> dk_status>,
    pub response_reason:
        Option<unsafe extern "C" fn(*mut dk_call, *const dk_response, *mut dk_str) -> dk_status>,
    pub response_body:
        Option<unsafe extern "C" fn(*mut dk_call, *const dk_response, *mut dk_str) -> dk_status>,
    pub response_header: Option<
        unsafe extern "C" fn(*mut dk_call, *const dk_response, dk_str, *mut dk_str) -> dk_status,
    >,

    // ABI 1.1
    pub set_tokens: Option<unsafe extern "C" fn(*mut dk_call, dk_str, dk_str, i64) -> dk_status>,
    pub response_json_value: Option<
        unsafe extern "C" fn(*mut dk_call, *const dk_response, dk_str, *mut dk_value) -> dk_status,
    >,

    // ABI 1.2
    pub set_invalid_setting:
        Option<unsafe extern "C" fn(*mut dk_call, dk_str, dk_str) -> dk_status>,
}

#[repr(C)]
pub struct dk_plugin {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub magic: u32,
    pub min_host_abi_minor: u16,
    pub reserved: u16,

    pub slug: *const std::os::raw::c_char,
    pub version: *const std::os::raw::c_char,
    pub definition_json: *const std::os::raw::c_char,

    pub on_test_request: Option<unsafe extern "C" fn(*mut dk_call) -> dk_status>,
    pub on_extend_request:
        Option<unsafe extern "C" fn(*mut dk_call, *mut dk_request_options) -> dk_status>,

    // ABI 1.1
    pub on_refresh_access_token: Option<unsafe extern "C" fn(*mut dk_call) -> dk_status>,
}

pub type dk_plugin_entry_fn = unsafe extern "C" fn(*const dk_host_api) -> *const dk_plugin;
