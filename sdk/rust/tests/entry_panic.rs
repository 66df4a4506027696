//! dk_plugin_entry never unwinds: a destination that panics while it is built refuses the host
//! (NULL) and says why in the host's log, through a host service table made here.

use destkit::abi::*;
use std::sync::Mutex;

static LOGGED: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn log(_call: *mut dk_call, level: i32, message: dk_str) {
    let text = std::slice::from_raw_parts(message.data, message.size);
    LOGGED
        .lock()
        .unwrap()
        .push((level, String::from_utf8_lossy(text).into_owned()));
}

fn unbuildable() -> destkit::Destination {
    panic!("no configuration for {}", "acme")
}

destkit::export_destination!(unbuildable);

#[test]
fn a_panic_while_the_destination_is_built_refuses_the_host_and_logs_why() {
    // Safety: every member of dk_host_api is an integer or an optional function pointer.
    let mut host: dk_host_api = unsafe { std::mem::zeroed() };
    host.struct_size = std::mem::size_of::<dk_host_api>() as u32;
    host.abi_major = DK_ABI_MAJOR;
    host.abi_minor = DK_ABI_MINOR;
    host.log = Some(log);

    assert!(dk_plugin_entry(&host).is_null());
    assert!(
        dk_plugin_entry(&host).is_null(),
        "a second call gives the same answer"
    );
    let logged = LOGGED.lock().unwrap();
    assert_eq!(logged.len(), 1);
    let (level, message) = &logged[0];
    assert_eq!(*level, DK_LOG_ERROR);
    assert!(
        message
            .starts_with("the destination could not be loaded: panicked at tests/entry_panic.rs:"),
        "{}",
        message
    );
    assert!(
        message.ends_with(": no configuration for acme"),
        "{}",
        message
    );
}
