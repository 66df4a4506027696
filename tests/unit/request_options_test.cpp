// Merge order, URL joining, search params, Basic auth and header checks of request options.
#include "http/request_options.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

using namespace destkit::host;

namespace {

// The value of a header the request must carry (the test stops here when it does not).
std::string header(const ResolvedRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (iequals(n, name)) return v;
  }
  FAIL("the request has no header " << name);
  return {};
}

ResolvedRequest resolve(std::string_view url, const RequestOptions& defaults, const RequestOptions& extension,
                        const RequestOptions& call) {
  ResolveResult result = resolve_request(url, defaults, extension, call);
  REQUIRE(result.ok());
  return result.request;
}

}  // namespace

TEST_CASE("join_url puts exactly one slash between prefix and path") {
  CHECK(join_url("https://a.example/api", "x") == "https://a.example/api/x");
  CHECK(join_url("https://a.example/api/", "/x") == "https://a.example/api/x");
  CHECK(join_url("https://a.example/api//", "//x/y") == "https://a.example/api/x/y");
  CHECK(join_url("https://a.example/api", "") == "https://a.example/api/");
}

TEST_CASE("a relative URL is joined to prefixUrl; an absolute one is used as is") {
  RequestOptions extension{.prefix_url = "https://acme.example.com/api"};
  CHECK(resolve("/accounts/me.json", {}, extension, {}).url == "https://acme.example.com/api/accounts/me.json");
  CHECK(resolve("https://other.example/x", {}, extension, {}).url == "https://other.example/x");
}

TEST_CASE("a relative URL without prefixUrl is an error that names the URL") {
  ResolveResult result = resolve_request("/x", {}, {}, {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.error == "the URL \"/x\" is relative and no prefixUrl is set");
}

TEST_CASE("later layers win: host defaults, then extendRequest, then the call") {
  RequestOptions defaults{.headers = {{"User-Agent", "destkit"}, {"Accept", "*/*"}},
                          .timeout = std::chrono::milliseconds(10000)};
  RequestOptions extension{.prefix_url = "https://a.example", .headers = {{"accept", "application/json"}, {"X-Ext", "ext"}},
                           .timeout = std::chrono::milliseconds(5000)};
  RequestOptions call{.method = "post", .headers = {{"x-ext", "call"}}};
  ResolvedRequest r = resolve("/x", defaults, extension, call);
  CHECK(r.method == "POST");
  CHECK(header(r, "accept") == "application/json");
  CHECK(header(r, "x-ext") == "call");
  CHECK(header(r, "user-agent") == "destkit");
  CHECK(r.timeout == std::chrono::milliseconds(5000));
  SECTION("headers merge case-insensitively: one header per name") {
    CHECK(std::count_if(r.headers.begin(), r.headers.end(), [](const auto& h) { return iequals(h.first, "x-ext"); }) == 1);
  }
}

TEST_CASE("username and password become a Basic header of UTF-8 text") {
  RequestOptions call{.username = "üser", .password = "pä:ss"};
  ResolvedRequest r = resolve("https://a.example/", {}, {}, call);
  CHECK(header(r, "Authorization") == "Basic w7xzZXI6cMOkOnNz");
}

TEST_CASE("an Authorization header from extendRequest replaces the host's Basic header") {
  RequestOptions defaults{.username = "u", .password = "p"};
  RequestOptions extension{.headers = {{"authorization", "Bearer T"}}};
  CHECK(header(resolve("https://a.example/", defaults, extension, {}), "Authorization") == "Bearer T");
  SECTION("and Basic credentials given later replace it again") {
    RequestOptions call{.username = "u2", .password = "p2"};
    CHECK(header(resolve("https://a.example/", defaults, extension, call), "Authorization") ==
          basic_authorization("u2", "p2"));
  }
}

// The reference runtime's behaviours destkit follows (docs/differences-from-segment.md).
TEST_CASE("basic auth wins over an Authorization header set in the same layer, whatever the order") {
  RequestOptions extension{.headers = {{"Authorization", "Bearer T"}}, .username = "u", .password = "p"};
  CHECK(header(resolve("https://a.example/", {}, extension, {}), "Authorization") == basic_authorization("u", "p"));
}

TEST_CASE("an empty username and an empty password send no Authorization header") {
  ResolvedRequest alone = resolve("https://a.example/", {}, {.username = "", .password = ""}, {});
  CHECK(std::none_of(alone.headers.begin(), alone.headers.end(), [](const auto& h) { return iequals(h.first, "Authorization"); }));
  SECTION("not even the Basic header of an earlier layer") {
    ResolvedRequest r = resolve("https://a.example/", {.username = "u", .password = "p"}, {.username = "", .password = ""}, {});
    CHECK(std::none_of(r.headers.begin(), r.headers.end(), [](const auto& h) { return iequals(h.first, "Authorization"); }));
  }
  SECTION("an Authorization header of an earlier layer stays") {
    ResolvedRequest r = resolve("https://a.example/", {.headers = {{"Authorization", "Bearer T"}}}, {.username = "", .password = ""}, {});
    CHECK(header(r, "Authorization") == "Bearer T");
  }
}

// A deliberate difference: the reference replaces the URL's whole query with searchParams.
TEST_CASE("searchParams are added to the query the URL already has, not put in its place") {
  ResolvedRequest r = resolve("https://a.example/x?x=1", {}, {.search_params = {{"api_key", "K"}}}, {});
  CHECK(r.url == "https://a.example/x?x=1&api_key=K");
}

TEST_CASE("searchParams are URL-encoded, and a later layer replaces a same-named one") {
  RequestOptions extension{.search_params = {{"api_key", "K"}, {"ext", "1"}}};
  RequestOptions call{.search_params = {{"ext", "2"}, {"q", "a b&c=d/é"}}};
  ResolvedRequest r = resolve("https://a.example/x?keep=1#frag", {}, extension, call);
  CHECK(r.url == "https://a.example/x?keep=1&api_key=K&ext=2&q=a%20b%26c%3Dd%2F%C3%A9#frag");
}

TEST_CASE("json sets the body and content-type: application/json") {
  RequestOptions call{.headers = {{"Content-Type", "text/plain"}}, .body = R"({"a":1})", .body_is_json = true};
  ResolvedRequest r = resolve("https://a.example/", {}, {}, call);
  REQUIRE(r.body.has_value());
  CHECK(*r.body == R"({"a":1})");
  CHECK(header(r, "content-type") == "application/json");
}

TEST_CASE("a URL with a line break or another control character is an error, from the path or the prefix") {
  const std::string refused = "the URL contains a line break or another control character";
  CHECK(resolve_request("/x\r\nX-Injected: 1", {}, {.prefix_url = "https://a.example"}, {}).error == refused);
  CHECK(resolve_request("/x", {}, {.prefix_url = "https://a.example/\n"}, {}).error == refused);
  CHECK(resolve_request("https://a.example/\x1b[2J", {}, {}, {}).error == refused);
  CHECK(resolve_request("https://a.example/caf\xc3\xa9", {}, {}, {}).ok());
}

TEST_CASE("base64 follows RFC 4648") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("\xff\xfe") == "//4=");
}

TEST_CASE("headers with line breaks or invalid names are refused") {
  CHECK(header_problem("X-Ok", "value") == "");
  CHECK(header_problem("X-Bad", "a\r\nInjected: 1") ==
        "the value of header \"X-Bad\" contains a line break or another control character");
  CHECK(header_problem("Bad Name", "v") == "the header name \"Bad Name\" contains a character not allowed in names");
  CHECK(request_header_problem("tRaNsFeR-eNcOdInG", "chunked") ==
        "the header \"tRaNsFeR-eNcOdInG\" is written by the HTTP client from the request itself and cannot be set");
  CHECK(request_header_problem("X-Host", "a").empty());
  CHECK(request_header_problem("Hosts", "a").empty());
  CHECK(header_problem("", "v") == "a header name must not be empty");
}
