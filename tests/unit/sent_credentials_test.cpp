// Which settings values the host learns are secrets from the credentials it sends.
#include "abi/call.hpp"
#include "abi/sent_credentials.hpp"
#include "util/encoding.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

using namespace destkit::host;

TEST_CASE("the user and password inside Basic are secrets whatever the case of the scheme's name") {
  // Distinct values for each case: what is learned is remembered for the rest of the process.
  for (std::string scheme : {"basic", "BASIC", "Basic"}) {
    std::string user = "user-" + scheme, password = "SECRET-pass-" + scheme;
    boost::json::object settings{{"user", user}, {"pass", password}, {"region", "eu"}};
    dk_call call;
    call.settings = &settings;
    RequestOptions layer;
    layer.headers.emplace_back("Authorization", scheme + " " + base64_encode(user + ":" + password));
    remember_credentials_in(call, layer);
    INFO(scheme);
    CHECK(call.redactor.apply("as " + user + " with " + password + " in eu") == "as [redacted] with [redacted] in eu");
  }
}
