// Example Basic: the `basic` scheme. The host adds the username and password fields and sends
// them as Authorization: Basic on every request, so the destination only says where to look.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination example_basic() {
  return {
      .name = "Example Basic",
      .slug = "example-basic",
      .version = "1.0.0",
      .description = "Sends events to the Example API, authenticating with a username and password.",
      .authentication =
          {
              .scheme = destkit::Scheme::basic,
              .testRequest = [](destkit::Request& request,
                                const destkit::Input&) { request("https://example.com/api/accounts/me.json"); },
          },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(example_basic)
