// The host's one implementation of base64, base64url, percent-encoding and SHA-256.
#include "util/encoding.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace destkit::host;

TEST_CASE("base64 follows RFC 4648's test vectors both ways") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::optional<std::string>(plain));
  }
  CHECK(base64_decode("Zm9v\nYmFy\n") == std::optional<std::string>("foobar"));
  CHECK_FALSE(base64_decode("Zm9v!").has_value());
  CHECK_FALSE(base64_decode("Zg==Zg").has_value());
  CHECK_FALSE(base64_decode("Z").has_value());
}

TEST_CASE("base64url has no padding and no '+' or '/'") {
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("percent-encoding keeps only RFC 3986's unreserved characters") {
  CHECK(percent_encode("a-b.c_d~e") == "a-b.c_d~e");
  CHECK(percent_encode("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9");
}

TEST_CASE("SHA-256 of FIPS 180-2's example") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256("abc").size() == 32);
}
