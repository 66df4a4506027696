// Example OAuth2: the `oauth2` scheme with the destination's own refreshAccessToken, for an
// API whose token endpoint is not the standard refresh_token grant: it takes JSON and
// answers {"token", "refresh", "ttl"}.
#include <destkit/destkit.hpp>

#include <charconv>
#include <string>
#include <system_error>

namespace {

destkit::Destination example_oauth2() {
  return {
      .name = "Example OAuth2",
      .slug = "example-oauth2",
      .version = "1.0.0",
      .description = "Sends events to the Example API, renewing its tokens at the API's own endpoint.",
      .authentication = {
          .scheme = destkit::Scheme::oauth2,
          .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/accounts/me.json"); },
          .refreshAccessToken = [](destkit::Request& request, const destkit::RefreshInput& input) -> destkit::Tokens {
            destkit::Response r = request("https://example.com/api/oauth/renew",
                                          {.method = "POST",
                                           .json = destkit::Json::object({{"refresh", input.auth.refreshToken},
                                                                          {"client", input.auth.clientId},
                                                                          {"secret", input.auth.clientSecret}}),
                                           .responseType = destkit::ResponseType::json});
            // A bad answer is a ResponseError: it says nothing of the user's sign-in, unlike
            // InvalidCredentials, which would ask the user to sign in again.
            std::string token = r.json("/token").value_or("");
            if (token.empty()) throw destkit::ResponseError("the renewal answer has no token");
            std::string ttl = r.json("/ttl").value_or("0");
            long long seconds = 0;
            if (std::from_chars(ttl.data(), ttl.data() + ttl.size(), seconds).ec != std::errc()) {
              throw destkit::ResponseError("the renewal answer's ttl is not a whole number of seconds");
            }
            return {.accessToken = token,
                    .refreshToken = r.json("/refresh").value_or(""),
                    .expiresIn = std::chrono::seconds(seconds)};
          },
      },
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        return {
            .prefixUrl = "https://example.com/api",
            .headers = {{"Authorization", "Bearer " + input.auth.accessToken}},
        };
      },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(example_oauth2)
