// Example OAuth Managed: the `oauth-managed` scheme. The host holds the OAuth client and the
// tokens; the destination only puts the access token it is given into a Bearer header.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination example_oauth_managed() {
  return {
      .name = "Example OAuth Managed",
      .slug = "example-oauth-managed",
      .version = "1.0.0",
      .description = "Sends events to the Example API on behalf of a user who signed in with OAuth.",
      .authentication =
          {
              .scheme = destkit::Scheme::oauth_managed,
              .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/accounts/me.json"); },
          },
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        return {
            .prefixUrl = "https://example.com/api",
            .headers = {{"Authorization", "Bearer " + input.auth.accessToken}},
            .responseType = destkit::ResponseType::json,
        };
      },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(example_oauth_managed)
