// The two destinations of the reference benchmark (../shared/peer/destinations), as destkit
// plugins: the same scheme, fields and request. BENCH_CUSTOM selects the custom one. The API
// base is a setting whose default is the benchmark's nginx, so the settings a user gives are
// the reference's exactly.
#include <destkit/destkit.hpp>

namespace {

destkit::Field api_base() {
  return {.label = "API base", .type = destkit::FieldType::string, .defaultValue = "http://127.0.0.1:18080/api"};
}

destkit::Destination bench_destination() {
#ifdef BENCH_CUSTOM
  return {
      .name = "Bench Custom",
      .slug = "bench-custom",
      .authentication = {.scheme = destkit::Scheme::custom,
                         .fields = {{"subdomain", {.label = "Subdomain", .type = destkit::FieldType::string, .required = true}},
                                    {"apiKey", {.label = "API Key", .type = destkit::FieldType::password, .required = true}},
                                    {"apiBase", api_base()}},
                         .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/accounts/me.json"); }},
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        return {.prefixUrl = input.settings.string("apiBase"),
                .headers = {{"Authorization", "Bearer " + input.settings.string("apiKey")}}};
      },
  };
#else
  return {
      .name = "Bench Basic",
      .slug = "bench-basic",
      .authentication = {.scheme = destkit::Scheme::basic,
                         .fields = {{"apiBase", api_base()}},
                         .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/accounts/me.json"); }},
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        return {.prefixUrl = input.settings.string("apiBase")};
      },
  };
#endif
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(bench_destination)
