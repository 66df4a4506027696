// query-key: a destination for an API that takes its key as a query parameter (?api_key=...),
// as many partners' APIs do; the mock-api tests check it the way its partner would.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination query_key() {
  return {
      .name = "Query Key",
      .slug = "query-key",
      .version = "0.1.0",
      .authentication =
          {
              .scheme = destkit::Scheme::custom,
              .fields = {{"apiKey", {.label = "API Key", .type = destkit::FieldType::password, .required = true}}},
              .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/v2/me"); },
          },
      .extendRequest =
          [](const destkit::Input& input) -> destkit::RequestOptions {
            return {
                .prefixUrl = "https://api.example.com",
                .searchParams = {{"api_key", input.settings.string("apiKey")}},
            };
          },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(query_key)
