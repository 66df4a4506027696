// Example Rust: plugins/example-custom written in Rust. The `custom` scheme: the destination
// declares its own fields and turns them into a base URL and a Bearer header in extend_request.
use destkit::{
    Authentication, Destination, Field, FieldType, RequestOptions, ResponseType, Scheme,
};

fn example_rust() -> Destination {
    Destination {
        name: "Example Rust",
        slug: "example-rust",
        version: "1.0.0",
        description: "Sends events to the Example API of one account, with an API key.",
        authentication: Authentication {
            scheme: Scheme::Custom,
            fields: vec![
                Field::new("subdomain", "Subdomain", FieldType::String)
                    .required()
                    .format("hostname"),
                Field::new("apiKey", "API Key", FieldType::Password)
                    .required(),
            ],
            test_request: destkit::test_request(|request, _| {
                request.get("/accounts/me.json")?;
                Ok(())
            }),
            ..Authentication::default()
        },
        extend_request: destkit::extend_request(|input| {
            let subdomain = input.settings.string("subdomain")?;
            let api_key = input.settings.string("apiKey")?;
            Ok(RequestOptions::new()
                .prefix_url(format!("https://{}.example.com/api", subdomain))
                .header("Authorization", format!("Bearer {}", api_key))
                .response_type(ResponseType::Json))
        }),
    }
}

destkit::export_destination!(example_rust);
