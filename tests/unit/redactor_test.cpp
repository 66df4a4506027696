#include "http/redactor.hpp"

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

TEST_CASE("URLs lose their user:password and credential-named query values") {
  CHECK(redact_url("https://user:SECRET@example.com/x?api_key=SECRET&q=1#top") ==
        "https://[redacted]@example.com/x?api_key=[redacted]&q=1#top");
  CHECK(redact_url("https://example.com/cb?code=SECRET&state=s") == "https://example.com/cb?code=[redacted]&state=s");
  CHECK(redact_url("https://example.com/plain") == "https://example.com/plain");
}

TEST_CASE("credential names are recognised, ordinary ones are not") {
  for (const char* name : {"Authorization", "X-Api-Key", "access_token", "Cookie", "Set-Cookie", "code", "X-Signature"}) {
    CHECK(is_secret_name(name));
  }
  for (const char* name : {"Accept-Encoding", "Content-Type", "User-Agent", "state", "q"}) {
    CHECK_FALSE(is_secret_name(name));
  }
}
