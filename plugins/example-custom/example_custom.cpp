// Example Custom: the `custom` scheme. Its own fields become a base URL and a Bearer header.
#include <destkit/destkit.hpp>

static destkit::Destination example_custom() {
  return {
      .name = "Example Custom",
      .slug = "example-custom",
      .version = "1.0.0",
      .description = "Sends events to the Example API of one account, with an API key.",
      .authentication =
          {
              .scheme = destkit::Scheme::custom,
              .fields =
                  {{"subdomain",
                    {.label = "Subdomain", .type = destkit::FieldType::string, .required = true, .format = "hostname"}},
                   {"apiKey", {.label = "API Key", .type = destkit::FieldType::password, .required = true}}},
              .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/accounts/me.json"); },
          },
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        return {.prefixUrl = "https://" + input.settings.string("subdomain") + ".example.com/api",
                .headers = {{"Authorization", "Bearer " + input.settings.string("apiKey")}},
                .responseType = destkit::ResponseType::json};
      },
  };
}

DESTKIT_EXPORT_DESTINATION(example_custom)
