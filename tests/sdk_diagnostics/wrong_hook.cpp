// A destination whose hook has the wrong shape; the build must stop with the one sentence
// that says what was expected. Which hook is wrong is chosen with -DWRONG_<HOOK>.
#include <destkit/destkit.hpp>

destkit::Destination wrong() {
  return {
      .name = "Wrong",
      .slug = "wrong",
      .authentication = {
          .scheme = destkit::Scheme::oauth2,
#ifdef WRONG_TEST_REQUEST
          .testRequest = [](destkit::Request& request) { request("/me"); },  // no Input
#endif
#ifdef WRONG_REFRESH_ACCESS_TOKEN
          .refreshAccessToken = [](destkit::Request&, const destkit::Input&) { return destkit::Tokens{}; },
#endif
      },
#ifdef WRONG_EXTEND_REQUEST
      .extendRequest = [](const destkit::Input&) { return 42; },
#endif
  };
}

DESTKIT_EXPORT_DESTINATION(wrong)
