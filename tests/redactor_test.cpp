#include "redactor.hpp"

#include <catch2/catch.hpp>

using namespace destkit::host;

TEST_CASE("a secret is redacted as given, percent-encoded and base64-encoded") {
  Redactor redactor;
  redactor.add("p@ss word");
  CHECK(redactor.apply("password=p@ss word") == "password=[redacted]");
  CHECK(redactor.apply("url?pw=p%40ss%20word") == "url?pw=[redacted]");
  CHECK(redactor.apply("Basic cEBzcyB3b3Jk") == "Basic [redacted]");
  CHECK(redactor.apply("nothing secret here") == "nothing secret here");
}
