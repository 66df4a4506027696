// reads-json: a testRequest that reads a value of the JSON answer with response.json(), which
// calls response_json_value, a service of ABI 1.1. The test that loads it plays a host that
// offers only the services of ABI 1.0.
#include <destkit/destkit.hpp>

namespace {

destkit::Destination reads_json() {
  return {.name = "Reads JSON",
          .slug = "reads-json",
          .authentication = {.testRequest = [](destkit::Request& request, const destkit::Input&) {
            request("https://example.com/token").json("/token");
          }}};
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(reads_json)
