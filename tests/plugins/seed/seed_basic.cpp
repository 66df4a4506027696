// The seed's `basic` example as a partner copies it: username and password redeclared as type
// 'string'. Its testRequest also logs both and puts them into an error, as careless code
// would, so the tests can show the host redacts what it sends as Basic auth.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination seed_basic() {
  return {
      .name = "Seed Basic",
      .slug = "seed-basic",
      .version = "0.1.0",
      .authentication =
          {
              .scheme = destkit::Scheme::basic,
              .fields = {{"username",
                          {.label = "Username",
                           .description = "Your username",
                           .type = destkit::FieldType::string,
                           .required = true}},
                         {"password",
                          {.label = "password",
                           .description = "Your password",
                           .type = destkit::FieldType::string,
                           .required = true}}},
              .testRequest =
                  [](destkit::Request& request, const destkit::Input& input) {
                    std::string pair = input.settings.string("username") + " / " + input.settings.string("password");
                    input.log.warn("signing in as " + pair);
                    try {
                      request("https://example.com/api/accounts/me.json");
                    } catch (const destkit::HttpError&) {
                      throw destkit::InvalidCredentials(pair + " was refused");
                    }
                  },
          },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(seed_basic)
