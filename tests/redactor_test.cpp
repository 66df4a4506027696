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

TEST_CASE("a short secret is redacted where it stands alone, not inside other words") {
  Redactor redactor;
  redactor.add("t0p");
  CHECK(redactor.apply("password t0p rejected; stop t0ps") == "password [redacted] rejected; stop t0ps");
  CHECK(redactor.apply("pw=t0p&x=1") == "pw=[redacted]&x=1");
}
