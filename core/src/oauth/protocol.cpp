#include "oauth/protocol.hpp"

#include "http/exchange_trace.hpp"

#include "util/encoding.hpp"
#include "util/sha256.hpp"
#include "util/json_input.hpp"
#include "util/printable.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <optional>
#include <stdexcept>

namespace destkit::host {
namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += percent_encode(name) + "=" + percent_encode(value);
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

OAuthError error(OAuthError::Kind kind, std::string message) { return OAuthError{kind, std::move(message)}; }

// expires_in as servers send it: a number, fractional or not, or a number in a string (some
// providers quote it). Nothing for anything else: the token is then used until refused. A
// quoted number beyond a double's range is read as the huge or tiny lifetime it says.
std::optional<double> lifetime_seconds(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  json::error_code ec;
  if (v->is_number()) {
    double seconds = v->to_number<double>(ec);
    return ec ? std::nullopt : std::optional<double>(seconds);
  }
  if (!v->is_string()) return std::nullopt;
  std::string_view text = v->get_string();
  // from_chars also reads "inf" and "nan", which are no number of seconds.
  if (text.find_first_not_of("0123456789.+-eE") != std::string_view::npos) return std::nullopt;
  long double seconds = 0;
  auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (problem != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return static_cast<double>(std::clamp<long double>(seconds, -1e300L, 1e300L));
}

// The client's Basic credentials: both parts form-encoded first (RFC 6749 2.3.1).
std::string client_credentials(const OAuthClientConfig& client) {
  return percent_encode(client.client_id) + ":" + percent_encode(client.client_secret);
}

// POSTs a grant to the token endpoint with the client authenticated by HTTP Basic. The body
// and the header carry secrets: a redirect may not take them to another origin.
TokenResult token_request(const OAuthClientConfig& client, std::vector<std::pair<std::string, std::string>> fields,
                          const HttpClientConfig& http) {
  ResolvedRequest request;
  request.method = "POST";
  request.url = client.token_url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"},
                     {"Authorization", "Basic " + base64_encode(client_credentials(client))}};
  request.redirects_within_origin_only = true;
  request.timeout = http.own_request_timeout;
  request.body = form(fields);
  Redactor redactor;
  add_client_secrets(redactor, client);
  for (const auto& [name, value] : fields) {
    if (name != "grant_type" && name != "scope" && name != "redirect_uri") redactor.add(value);
  }
  HttpResult result = send_http(request, http);
  if (http.trace_own_requests) trace_token_exchange(request, result, redactor, http.trace_own_requests);
  std::string host = url_host(client.token_url);
  if (auto* failure = std::get_if<HttpFailure>(&result)) {
    // A redirect elsewhere is the configuration's to fix; anything else may pass.
    bool misdirected = failure->kind == HttpFailure::Kind::redirect;
    return error(misdirected ? OAuthError::Kind::invalid : OAuthError::Kind::unavailable, redactor.apply(failure->message));
  }
  return read_token_response(std::get<HttpResponse>(result), client, host, redactor);
}

}  // namespace

OAuthError lock_error(const TokenStore::LockFailure& failure) {
  return {failure.held_elsewhere ? OAuthError::Kind::unavailable : OAuthError::Kind::invalid, failure.message};
}

TokenResult read_token_response(const HttpResponse& response, const OAuthClientConfig& client, const std::string& host,
                                const Redactor& redactor) {
  ParsedJson parsed = parse_json_input(response.body);
  const json::object* body = parsed.ok() && parsed.value.is_object() ? &parsed.value.get_object() : nullptr;
  auto text = [&](const char* key) -> std::string {
    const json::value* v = body ? body->if_contains(key) : nullptr;
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  // What the endpoint says goes into the message redacted, escaped and cut short: it may
  // quote the refresh token or the client secret it was sent, or tokens its answer carries.
  Redactor answer_secrets = redactor;
  if (body != nullptr) add_token_answer_secrets(parsed.value, answer_secrets);
  auto shown = [&](const std::string& said, std::size_t max_bytes) { return answer_secrets.shown(said, max_bytes); };
  if (response.status < 200 || response.status >= 300) {
    std::string code = shown(text("error"), kShownReasonBytes);
    std::string reason = shown(response.reason, kShownReasonBytes);
    std::string detail = code.empty() ? fmt::format("{} {}", response.status, reason)
                                      : fmt::format("{} {}: {}", response.status, reason, code);
    std::string description = shown(text("error_description"), kShownMessageBytes);
    if (!description.empty()) detail += " (" + description + ")";
    bool server_side = response.status >= 500 || response.status == 429;
    // RFC 6749 §5.2: these refuse the host's OAuth client, not the user's grant; signing in
    // again would not help.
    std::string said = text("error");
    if (!server_side && (said == "invalid_client" || said == "unauthorized_client")) {
      return error(OAuthError::Kind::client_refused,
                   fmt::format("the token endpoint {} answered {}; check the OAuth client (clientId, clientSecret) "
                               "configured for this destination",
                               host, detail));
    }
    return error(server_side ? OAuthError::Kind::unavailable : OAuthError::Kind::rejected,
                 fmt::format("the token endpoint {} answered {}", host, detail));
  }
  if (body == nullptr) {
    std::string why = parsed.ok() ? fmt::format("{}, not an object", json_kind(parsed.value)) : printable(parsed.error, kShownReasonBytes);
    return error(OAuthError::Kind::invalid,
                 fmt::format("the token endpoint {} answered {} {} with a body that is not a JSON object ({})", host,
                             response.status, shown(response.reason, kShownReasonBytes), why));
  }
  if (text("access_token").empty()) {
    return error(OAuthError::Kind::invalid, fmt::format("the token endpoint {} answered without an access_token", host));
  }
  // What is stored must be readable again, and usable in a header: RFC 6749 (appendix A) makes
  // each of these printable ASCII.
  struct Member {
    const char* name;
    const char* named;
    std::size_t max_bytes;
  };
  for (auto [name, named, max_bytes] : {Member{"access_token", "an access_token", kMaxTokenBytes},
                                        Member{"refresh_token", "a refresh_token", kMaxTokenBytes},
                                        Member{"token_type", "a token_type", 64}, Member{"scope", "a scope", 16 * 1024}}) {
    if (std::string problem = token_text_problem(text(name), max_bytes); !problem.empty()) {
      return error(OAuthError::Kind::invalid,
                   fmt::format("the token endpoint {} answered {} that {}", host, named, problem));
    }
  }
  TokenRecord record;
  record.access_token = text("access_token");
  record.refresh_token = text("refresh_token");
  record.token_type = text("token_type");
  record.obtained_at = Clock::now();
  if (auto seconds = lifetime_seconds(body->if_contains("expires_in"))) {
    record.expires_at = expiry_after(record.obtained_at, *seconds);
  }
  // Scopes are shown (oauth status, serve's status route), never a token: a server that puts
  // one there, the request's secrets (a code, the refresh token sent) or the client secret, has
  // it redacted.
  Redactor secrets = redactor;
  secrets.add(record.access_token);
  secrets.add(record.refresh_token);
  add_client_secrets(secrets, client);
  std::string scope = secrets.apply(text("scope"));
  if (scope.empty()) {
    record.scopes = client.scopes;
  } else {
    for (std::size_t start = 0; start < scope.size();) {
      std::size_t end = scope.find(' ', start);
      if (end == std::string::npos) end = scope.size();
      if (end > start) record.scopes.push_back(scope.substr(start, end - start));
      start = end + 1;
    }
  }
  return record;
}

void add_client_secrets(Redactor& redactor, const OAuthClientConfig& client) {
  redactor.add(client.client_secret);
  redactor.add(client_credentials(client));
}

std::string random_url_safe(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("the system's random number generator failed");
  }
  return base64url_encode(raw);
}

std::string pkce_challenge(const std::string& verifier) {
  return base64url_encode(sha256(verifier));
}

AuthorizationRequest authorization_request(const OAuthClientConfig& client, const std::string& redirect_uri) {
  AuthorizationRequest r;
  r.state = random_url_safe(24);
  r.code_verifier = random_url_safe(48);  // 64 characters, within RFC 7636's 43..128
  r.redirect_uri = redirect_uri;
  std::vector<std::pair<std::string, std::string>> query{
      {"response_type", "code"}, {"client_id", client.client_id}, {"redirect_uri", redirect_uri},
      {"state", r.state}, {"code_challenge", pkce_challenge(r.code_verifier)}, {"code_challenge_method", "S256"}};
  if (!client.scopes.empty()) query.emplace_back("scope", join(client.scopes, " "));
  r.url = client.authorize_url + (client.authorize_url.find('?') == std::string::npos ? "?" : "&") + form(query);
  return r;
}

TokenResult exchange_authorization_code(const OAuthClientConfig& client, const AuthorizationRequest& request,
                                        const std::string& code, const HttpClientConfig& http) {
  return token_request(client,
                       {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", request.redirect_uri},
                        {"code_verifier", request.code_verifier}},
                       http);
}

TokenResult refresh_access_token(const OAuthClientConfig& client, const TokenRecord& current, const HttpClientConfig& http) {
  if (current.refresh_token.empty()) {
    return error(OAuthError::Kind::rejected, "the stored token has no refresh token");
  }
  TokenResult result = token_request(client, {{"grant_type", "refresh_token"}, {"refresh_token", current.refresh_token}}, http);
  if (auto* record = std::get_if<TokenRecord>(&result); record != nullptr && record->refresh_token.empty()) {
    record->refresh_token = current.refresh_token;  // not rotated: the old one stays valid
  }
  return result;
}

TokenResult fetch_client_credentials_token(const OAuthClientConfig& client, const HttpClientConfig& http) {
  std::vector<std::pair<std::string, std::string>> fields{{"grant_type", "client_credentials"}};
  if (!client.scopes.empty()) fields.emplace_back("scope", join(client.scopes, " "));
  return token_request(client, std::move(fields), http);
}

}  // namespace destkit::host
