// test-rust-probe: a Rust destination whose hooks do what its `mode` setting says, so tests
// can drive the Rust SDK through the real host: requests, errors and panics at the boundary.
use destkit::{Authentication, Destination, Error, Field, FieldType, RequestOptions, Scheme};

fn probe() -> Destination {
    Destination {
        name: "Test Rust Probe",
        slug: "test-rust-probe",
        version: "0.1.0",
        authentication: Authentication {
            scheme: Scheme::Custom,
            fields: vec![
                Field::new("baseUrl", "Base URL", FieldType::String)
                    .required()
                    .format("uri"),
                Field::new("token", "Token", FieldType::Password).required(),
                Field::new("mode", "Mode", FieldType::String)
                    .default_value("plain")
                    .choices(&[
                        "plain",
                        "json",
                        "invalid",
                        "bad-setting",
                        "panic",
                        "panic-in-extend",
                    ]),
            ],
            test_request: destkit::test_request(|request, input| {
                match input.settings.string("mode")?.as_str() {
                    "panic" => panic!("boom while holding {}", input.settings.string("token")?),
                    "invalid" => Err(Error::invalid_credentials("the account is suspended")),
                    "bad-setting" => {
                        Err(Error::invalid_setting("baseUrl", "must name the EU region"))
                    }
                    "json" => match request.get("/check")?.json("/account/state")? {
                        Some(state) if state == "active" => Ok(()),
                        Some(state) => Err(Error::invalid_credentials(format!(
                            "the account is {}",
                            state
                        ))),
                        None => Err(Error::invalid_credentials(
                            "the answer names no account state",
                        )),
                    },
                    _ => request.get("/check").map(drop),
                }
            }),
            ..Authentication::default()
        },
        extend_request: destkit::extend_request(|input| {
            if input.settings.string("mode")? == "panic-in-extend" {
                let no_key: Option<&str> = None;
                no_key.expect("a key extendRequest cannot do without");
            }
            Ok(RequestOptions::new()
                .prefix_url(input.settings.string("baseUrl")?)
                .header("X-Api-Token", input.settings.string("token")?)
                .search_param("from", "rust"))
        }),
        ..Destination::default()
    }
}

destkit::export_destination!(probe);
