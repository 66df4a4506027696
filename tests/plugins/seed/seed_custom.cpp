// The seed's `custom` example as a partner copies it: apiKey declared as type 'string', sent
// as a Bearer header. Its hooks also log the key and put it into an error, as careless code
// would, so the tests can show the host redacts a key it knows only by how it is sent.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination seed_custom() {
  return {
      .name = "Seed Custom",
      .slug = "seed-custom",
      .version = "0.1.0",
      .authentication =
          {
              .scheme = destkit::Scheme::custom,
              .fields = {{"subdomain",
                          {.label = "Subdomain",
                           .description = "The subdomain for your account, found in your user settings.",
                           .type = destkit::FieldType::string,
                           .required = true}},
                         {"apiKey",
                          {.label = "API Key",
                           .description = "Found on your settings page.",
                           .type = destkit::FieldType::string,
                           .required = true}}},
              .testRequest =
                  [](destkit::Request& request, const destkit::Input& input) {
                    input.log.warn("checking the key " + input.settings.string("apiKey"));
                    try {
                      request("https://www.example.com/api/accounts/me.json");
                    } catch (const destkit::HttpError&) {
                      throw destkit::InvalidCredentials("the key " + input.settings.string("apiKey") + " was refused");
                    }
                  },
          },
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        input.log.info("extending with " + input.settings.string("apiKey"));
        return {.prefixUrl = "https://" + input.settings.string("subdomain") + ".example.com/api",
                .headers = {{"Authorization", "Bearer " + input.settings.string("apiKey")}},
                .responseType = destkit::ResponseType::json};
      },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(seed_custom)
