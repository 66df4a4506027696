// Example Custom: the `custom` scheme. The destination declares its own fields and turns them
// into a base URL and a Bearer header in extendRequest.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination example_custom() {
  return {
      .name = "Example Custom",
      .slug = "example-custom",
      .version = "1.0.0",
      .description = "Sends events to the Example API of one account, with an API key.",
      .authentication =
          {
              .scheme = destkit::Scheme::custom,
              .fields =
                  {
                      {"subdomain",
                       {.label = "Subdomain",
                        .description = "Your account's subdomain: SUBDOMAIN.example.com.",
                        .type = destkit::FieldType::string,
                        .required = true,
                        .format = "hostname"}},
                      {"apiKey",
                       {.label = "API Key",
                        .description = "Found under Settings > API in your Example account.",
                        .type = destkit::FieldType::password,
                        .required = true}},
                  },
              .testRequest =
                  [](destkit::Request& request, const destkit::Input&) {
                    request("/accounts/me.json");
                  },
          },
      .extendRequest =
          [](const destkit::Input& input) -> destkit::RequestOptions {
            return {
                .prefixUrl = "https://" + input.settings.string("subdomain") + ".example.com/api",
                .headers = {{"Authorization", "Bearer " + input.settings.string("apiKey")}},
                .responseType = destkit::ResponseType::json,
            };
          },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(example_custom)
