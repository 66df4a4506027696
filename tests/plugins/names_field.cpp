// names-field: a destination that rejects settings naming the field at fault, from
// extendRequest (its own check of the key) and from testRequest (the SDK's own message when a
// setting has another type than the code reads). Its accountKey, of no secret type, is logged and
// refused before extendRequest has sent it anywhere.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination names_field() {
  return {
      .name = "Names Field",
      .slug = "names-field",
      .version = "0.1.0",
      .authentication =
          {
              .scheme = destkit::Scheme::custom,
              .fields = {{"apiKey", {.label = "API Key", .type = destkit::FieldType::password, .required = true}},
                         {"region", {.label = "Region", .type = destkit::FieldType::string}},
                         {"accountKey", {.label = "Account Key", .type = destkit::FieldType::string}}},
              .testRequest =
                  [](destkit::Request&, const destkit::Input& input) {
                    if (input.settings.has("region")) input.settings.number("region");  // a string: refused
                  },
          },
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        if (input.settings.has("accountKey")) {
          input.log.info("checking account key " + input.settings.string("accountKey"));
          throw destkit::InvalidSettings("accountKey", "is not an account key of Acme");
        }
        std::string key = input.settings.string("apiKey");
        if (!key.starts_with("sk_")) throw destkit::InvalidSettings("apiKey", "must start with sk_");
        return {.headers = {{"Authorization", "Bearer " + key}}};
      },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(names_field)
