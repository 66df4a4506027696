// A token endpoint's answer is read strictly, and a message about a bad one says what was
// wrong with it without quoting what it held.
#include "oauth/protocol.hpp"

#include <catch2/catch.hpp>

#include <variant>

using namespace destkit::host;

namespace {

OAuthError refusal_of(int status, std::string body) {
  HttpResponse response{.status = status, .reason = "OK", .headers = {}, .body = std::move(body), .url = {}, .host = {}};
  TokenResult result = read_token_response(response, OAuthClientConfig{}, "auth.example.com", Redactor{});
  REQUIRE(std::holds_alternative<OAuthError>(result));
  return std::get<OAuthError>(result);
}

}  // namespace

TEST_CASE("a token answer that is not a JSON object is named as such, not as one without an access_token") {
  OAuthError html = refusal_of(200, "<html>signed in</html>");
  CHECK(html.kind == OAuthError::Kind::invalid);
  CHECK_THAT(html.message, Catch::Contains("answered 200 OK with a body that is not a JSON object (line 1"));

  CHECK_THAT(refusal_of(200, "[1]").message, Catch::Contains("not a JSON object (an array, not an object)"));

  std::string huge_token(2 << 20, 'T');
  OAuthError huge = refusal_of(200, R"({"access_token":")" + huge_token + R"("})");
  CHECK_THAT(huge.message, Catch::Contains("not a JSON object"));
  CHECK(huge.message.find("TTTT") == std::string::npos);
  CHECK(huge.message.size() < 400);

  CHECK_THAT(refusal_of(200, R"({"token_type":"Bearer"})").message, Catch::Contains("answered without an access_token"));
}

TEST_CASE("a token, token_type or scope too long to be stored, or not printable ASCII, is refused at once") {
  OAuthError longer = refusal_of(200, R"({"access_token":")" + std::string(100'000, 'T') + R"("})");
  CHECK(longer.kind == OAuthError::Kind::invalid);
  CHECK_THAT(longer.message,
             Catch::Contains("answered an access_token that is 100000 bytes long; destkit keeps at most 65536"));
  CHECK_THAT(refusal_of(200, R"({"access_token":"ok","refresh_token":"line\nbreak"})").message,
             Catch::Contains("answered a refresh_token that holds a character that is not printable ASCII"));
  CHECK_THAT(refusal_of(200, R"({"access_token":"next\u2028line"})").message,
             Catch::Contains("answered an access_token that holds a character that is not printable ASCII"));
  CHECK_THAT(refusal_of(200, R"({"access_token":"ok","scope":")" + std::string(20'000, 's') + R"("})").message,
             Catch::Contains("answered a scope that is 20000 bytes long"));
  CHECK(std::holds_alternative<TokenRecord>(read_token_response(
      HttpResponse{.status = 200, .reason = "OK", .headers = {}, .body = R"({"access_token":"fine-token"})", .url = {}, .host = {}},
      OAuthClientConfig{}, "auth.example.com", Redactor{})));
}

TEST_CASE("scopes, which are shown, never hold the tokens or the client secret of the same answer") {
  OAuthClientConfig client;
  client.client_id = "cid-123";
  client.client_secret = "TOPSECRETclientSECRET42";
  HttpResponse response{.status = 200,
                        .reason = "OK",
                        .headers = {},
                        .body = R"({"access_token":"ATXLEAK123456","refresh_token":"RTXLEAK999","scope":)"
                                R"("read ATXLEAK123456 TOPSECRETclientSECRET42 RTXLEAK999 QVRYTEVBSzEyMzQ1Ng=="})",
                        .url = {},
                        .host = {}};
  TokenResult result = read_token_response(response, client, "auth.example.com", Redactor{});
  REQUIRE(std::holds_alternative<TokenRecord>(result));
  CHECK(std::get<TokenRecord>(result).scopes ==
        std::vector<std::string>{"read", "[redacted]", "[redacted]", "[redacted]", "[redacted]"});
}

TEST_CASE("a refused token answer's message never quotes the tokens the same answer carries") {
  OAuthError refused = refusal_of(
      400,
      R"json({"error":"invalid_grant","error_description":"superseded by NEWtoken-4471 (refresh NEWrefresh-8812)",)json"
      R"json("access_token":"NEWtoken-4471","refresh_token":"NEWrefresh-8812"})json");
  CHECK(refused.kind == OAuthError::Kind::rejected);
  CHECK_THAT(refused.message, Catch::Contains("invalid_grant (superseded by [redacted] (refresh [redacted]))"));
  CHECK(refused.message.find("NEW") == std::string::npos);
}

TEST_CASE("a token endpoint that refuses the host's OAuth client says to check the client, not to sign in again") {
  for (std::string code : {"invalid_client", "unauthorized_client"}) {
    OAuthError refused = refusal_of(401, R"({"error":")" + code + R"("})");
    CHECK(refused.kind == OAuthError::Kind::client_refused);
    CHECK_THAT(refused.message, Catch::Contains(code + "; check the OAuth client (clientId, clientSecret)"));
  }
  CHECK(refusal_of(400, R"({"error":"invalid_grant"})").kind == OAuthError::Kind::rejected);
}
