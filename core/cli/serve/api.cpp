#include "api.hpp"

#include "assets.hpp"
#include "http/request_options.hpp"
#include "oauth/token_store.hpp"
#include "output.hpp"
#include "plugin/discovery.hpp"
#include "util/json_input.hpp"
#include "util/json_text.hpp"
#include "util/printable.hpp"
#include "util/spelling.hpp"
#include "util/url_form.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <initializer_list>
#include <set>

namespace destkit::cli::serve {
namespace {

namespace json = boost::json;
using host::AuthOutcome;

ServeAnswer json_answer(int status, json::value body, std::string route) {
  ServeAnswer answer;
  answer.status = status;
  make_printable(body);
  answer.body = host::json_text(body);
  answer.route = std::move(route);
  return answer;
}

ServeAnswer text_answer(int status, std::string body, std::string route) {
  ServeAnswer answer;
  answer.status = status;
  answer.content_type = "text/plain; charset=utf-8";
  answer.body = std::move(body);
  answer.route = std::move(route);
  return answer;
}

std::string html_escaped(std::string_view text) {
  std::string out;
  for (char c : host::printable(text, host::kShownMessageBytes)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The tester page runs only its own files, and no page is framed by another (clickjacking).
void add_page_policy(ServeAnswer& answer, std::string_view sources) {
  answer.headers.emplace_back(
      "Content-Security-Policy",
      fmt::format("default-src {}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'", sources));
  answer.headers.emplace_back("X-Frame-Options", "DENY");
}

ServeAnswer html_answer(int status, std::string_view title, std::string_view message) {
  ServeAnswer answer;
  answer.status = status;
  answer.content_type = "text/html; charset=utf-8";
  answer.body = fmt::format(
      "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{0}</title></head>\n"
      "<body>\n<h1>{0}</h1>\n<p>{1}</p>\n</body>\n</html>\n",
      html_escaped(title), html_escaped(message));
  answer.route = "/v1/oauth/callback";
  add_page_policy(answer, "'none'");  // text only
  return answer;
}

std::string_view outcome_name(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::valid: return "valid";
    case AuthOutcome::unchecked: return "unchecked";
    case AuthOutcome::invalid_settings: return "invalid_settings";
    case AuthOutcome::invalid_credentials: return "invalid_credentials";
    case AuthOutcome::could_not_verify: return "could_not_verify";
    case AuthOutcome::plugin_failed: return "plugin_failed";
  }
  return "plugin_failed";
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t at = 1;
  while (at <= path.size()) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// ?NAME=VALUE: nothing when absent. A parameter given twice is refused before (repeated_in).
std::optional<std::string> query_value(const ServeRequest& request, std::string_view name) {
  for (auto& [key, value] : host::parse_form(request.query)) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// The first of `names` that the query gives more than once, if any: which one counts would be
// a guess (RFC 6749 §3.1 forbids repeating them).
std::optional<std::string> repeated_in(const ServeRequest& request, std::initializer_list<std::string_view> names) {
  std::set<std::string, std::less<>> seen;
  for (auto& [key, value] : host::parse_form(request.query)) {
    if (std::find(names.begin(), names.end(), key) != names.end() && !seen.insert(key).second) return key;
  }
  return std::nullopt;
}

ServeAnswer repeated_answer(const std::string& name, const std::string& route) {
  return error_answer(400, "bad_request", fmt::format("the query gives \"{}\" more than once", name), route);
}

// The body of a POST as a JSON object; an error answer when it is none. An empty body is an
// empty object, but it too must be declared JSON: a web page can send a form or plain text to
// any address without asking, and JSON only after a preflight this service never grants.
std::variant<json::object, ServeAnswer> body_object(const ServeRequest& request, const std::string& route) {
  if (request.content_type != "application/json") {
    return error_answer(415, "unsupported_media_type",
                        "the body must be JSON, sent as Content-Type: application/json (also when it is empty)", route);
  }
  if (request.body.empty()) return json::object{};
  // The body holds a user's settings: its errors name no key (json_input.hpp).
  host::ParsedJson parsed = host::parse_json_input(request.body, {.max_bytes = kMaxBodyBytes, .name_keys = false});
  if (!parsed.ok()) return error_answer(400, "bad_request", "the body is not valid JSON: " + parsed.error, route);
  if (!parsed.value.is_object()) {
    return error_answer(400, "bad_request", fmt::format("the body must be a JSON object, not {}", host::json_kind(parsed.value)),
                        route);
  }
  return std::move(parsed.value.as_object());
}

// The "connection" member of a body or query: "default" when absent; nothing when unusable.
std::optional<std::string> connection_name(const json::value* value) {
  if (value == nullptr) return "default";
  if (!value->is_string() || !host::safe_name(std::string(value->get_string()))) return std::nullopt;
  return std::string(value->get_string());
}

// ?connection=NAME: "default" when absent; nothing when unusable (empty, for one).
std::optional<std::string> query_connection(const ServeRequest& request) {
  std::optional<std::string> given = query_value(request, "connection");
  if (!given) return "default";
  json::value given_value = json::string(*given);
  return connection_name(&given_value);
}

const std::string kConnectionRule = fmt::format("\"connection\" is not usable: {}", host::kConnectionNameRule);

json::value list_json(const host::Host& host, const PluginList& list) {
  json::array destinations, rejected;
  for (const host::Plugin* p : list.plugins) {
    json::object item = listed_plugin_json(host, *p);
    item.erase("path");
    item["kind"] = host::names_a_manifest(p->path().filename().string()) ? "declarative" : "library";
    item["testRequest"] = p->has_test_request();
    destinations.push_back(std::move(item));
  }
  for (const auto& r : list.rejected) rejected.push_back(json::object{{"path", r.path.string()}, {"reason", r.reason}});
  return json::object{{"destinations", std::move(destinations)}, {"rejected", std::move(rejected)}};
}

// A slug longer than any destination's is shown cut (the request's path may be 16 KiB long).
constexpr std::size_t kShownSlugBytes = 200;

std::string not_found_message(const PluginList& list, std::string_view slug) {
  std::vector<std::string> slugs;
  for (const host::Plugin* p : list.plugins) slugs.push_back(p->slug());
  std::string shown = host::printable(slug, kShownSlugBytes);
  if (auto guess = host::closest_spelling(slug, slugs)) {
    return fmt::format("no destination \"{}\" is loaded; did you mean \"{}\"?", shown, *guess);
  }
  return fmt::format("no destination \"{}\" is loaded", shown);
}

ServeAnswer method_not_allowed(std::string_view allow, std::string route) {
  ServeAnswer answer = error_answer(405, "method_not_allowed", fmt::format("this route answers {} only", allow), route);
  answer.headers.emplace_back("Allow", allow);
  return answer;
}

// Runs `work` on a worker of `lane`, replying with what it returns, or with 500 if it throws.
// A request whose client closed its connection while it waited is not run (499, as nginx
// counts it), and gives its place in a full queue to a new one; one that finds its lane's
// queue full of requests whose clients wait is refused (503).
void run_on_lane(JobLanes& lanes, const std::string& lane, const ServeRequest& request, Reply reply, std::string route,
                 std::function<ServeAnswer()> work) {
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  auto client_left = [shared_reply, route] {
    (*shared_reply)(error_answer(499, "client_closed", "the client closed its connection first", route));
  };
  LaneJob job{.run =
                  [shared_reply, route, client_left, work = std::move(work), gone = request.client_gone] {
                    if (gone && gone()) return client_left();
                    ServeAnswer answer;
                    try {
                      answer = work();
                    } catch (...) {
                      answer = error_answer(500, "internal", "the service failed unexpectedly", route);
                    }
                    (*shared_reply)(std::move(answer));
                  },
              .abandoned = request.client_gone,
              .cancel = client_left};
  bool queued = lanes.post(lane, std::move(job));
  if (!queued) {
    ServeAnswer busy = error_answer(503, "busy",
                                    fmt::format("{} requests of this destination are waiting already; try again later",
                                                JobLanes::kWaitingPerLaneShare * lanes.per_lane()),
                                    route);
    busy.headers.emplace_back("Retry-After", "1");
    (*shared_reply)(std::move(busy));
  }
}

// Whether the Host header is exactly `name[:port]`, the name being this machine's loopback
// interface (an IPv4 address in 127.0.0.0/8, localhost, [::1]) and a port number (at most
// 65535). Anything else ("127.0.0.1:1@evil.example", "localhost.evil.example") is another name.
bool names_loopback(std::string_view host_header) {
  std::string_view name = host_header;
  std::string_view port;
  std::size_t name_end = name.starts_with("[") ? name.find(']') : name.find(':');
  if (name.starts_with("[") && name_end == std::string_view::npos) return false;
  if (name.starts_with("[")) ++name_end;
  if (name_end < name.size()) {
    port = name.substr(name_end);
    name = name.substr(0, name_end);
    if (port.size() < 2 || port.size() > 6 || port[0] != ':') return false;
    unsigned number = 0;
    for (char c : port.substr(1)) {
      if (c < '0' || c > '9') return false;
      number = number * 10 + static_cast<unsigned>(c - '0');
    }
    if (number > 65535) return false;
  }
  if (host::iequals(name, "localhost") || name == "[::1]") return true;  // host names ignore case
  unsigned char address[4];
  return ::inet_pton(AF_INET, std::string(name).c_str(), address) == 1 && address[0] == 127;
}

}  // namespace

ServeAnswer error_answer(int status, std::string_view code, std::string_view message, std::string route) {
  return json_answer(status, json::object{{"error", json::object{{"code", code}, {"message", message}}}},
                     std::move(route));
}

std::optional<ServeAnswer> Api::refusal_before_body(const ServeRequest& head) const {
  // Without a token the service listens on loopback only, and the Host header is what tells a
  // local client from a web page whose name an attacker re-pointed at 127.0.0.1 (DNS
  // rebinding): such a page shares the service's origin in the browser.
  if (!token_ && !names_loopback(head.host)) {
    return error_answer(421, "misdirected_request",
                        "this service answers only requests addressed to 127.0.0.1, localhost or [::1] "
                        "(the Host header); serve other names with --token-file",
                        "misdirected");
  }
  // The API needs the token; the callback carries none (the browser comes back from the
  // provider), its state is its proof.
  const std::string& path = head.path;
  bool is_api = path.starts_with("/v1/") || path == "/metrics";
  if (token_ && is_api && path != "/v1/oauth/callback" && !token_->accepts(head.authorization)) {
    ServeAnswer answer = error_answer(401, "unauthorized", "this service needs Authorization: Bearer TOKEN",
                                      path == "/metrics" ? "/metrics" : "unauthorized");
    answer.headers.emplace_back("WWW-Authenticate", "Bearer");
    return answer;
  }
  return std::nullopt;
}

void Api::handle(const ServeRequest& request, Reply reply) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (auto refusal = refusal_before_body(request)) return reply(std::move(*refusal));
  auto only = [&](std::string_view allowed, std::string route) -> std::optional<ServeAnswer> {
    if (method == allowed || (allowed == "GET" && method == "HEAD")) return std::nullopt;
    return method_not_allowed(allowed, std::move(route));
  };

  // Operations and the page: no token, never refused while stopping.
  if (path == "/healthz") {
    if (auto refused = only("GET", path)) return reply(*refused);
    return reply(text_answer(200, "ok\n", path));
  }
  if (path == "/readyz") {
    if (auto refused = only("GET", path)) return reply(*refused);
    if (state_.stopping) return reply(text_answer(503, "stopping\n", path));
    return reply(state_.ready ? text_answer(200, "ready\n", path) : text_answer(503, "starting\n", path));
  }
  if (path == "/" || path.starts_with("/assets/")) {
    for (const Asset& asset : embedded_assets()) {
      if (asset.path != path) continue;
      if (auto refused = only("GET", path == "/" ? "/" : "/assets/{name}")) return reply(*refused);
      ServeAnswer answer;
      answer.content_type = asset.content_type;
      answer.body = asset.bytes;
      add_page_policy(answer, "'self'");
      answer.route = path == "/" ? "/" : "/assets/{name}";
      return reply(std::move(answer));
    }
    return reply(error_answer(404, "not_found", "no such asset", "unmatched"));
  }

  bool is_api = path.starts_with("/v1/") || path == "/metrics";
  if (!is_api) return reply(error_answer(404, "not_found", "no such route", "unmatched"));
  if (path == "/metrics") {
    if (auto refused = only("GET", path)) return reply(*refused);
    ServeAnswer answer = text_answer(200, metrics_.text(), path);
    answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return reply(std::move(answer));
  }
  if (state_.stopping) {
    return reply(error_answer(503, "unavailable", "the service is shutting down", "unavailable"));
  }

  if (path == "/v1/oauth/callback") {
    if (auto refused = only("GET", path)) return reply(*refused);
    return oauth_callback(request, std::move(reply));
  }
  std::vector<std::string> parts = split_path(path);
  if (parts.size() < 2 || parts[1] != "destinations" || parts.size() > 5) {
    return reply(error_answer(404, "not_found", "no such route", "unmatched"));
  }
  std::shared_ptr<const PluginList> list = catalog_.list();
  if (parts.size() == 2) {
    if (auto refused = only("GET", "/v1/destinations")) return reply(*refused);
    return reply(json_answer(200, list_json(catalog_.host(), *list), "/v1/destinations"));
  }
  // Which route this is, before the slug is looked up, so an unknown path is 404 whatever
  // the slug, and a known one with the wrong method 405.
  std::string tail = parts.size() == 3 ? "" : parts.size() == 4 ? parts[3] : parts[3] + "/" + parts[4];
  std::string route = "/v1/destinations/{slug}" + (tail.empty() ? "" : "/" + tail);
  std::string_view allowed = tail.empty()           ? "GET"
                             : tail == "validate"    ? "POST"
                             : tail == "test"        ? "POST"
                             : tail == "oauth/start" ? "POST"
                             : tail == "oauth"       ? "GET, DELETE"
                                                     : "";
  if (allowed.empty()) return reply(error_answer(404, "not_found", "no such route", "unmatched"));
  bool method_ok = allowed == "GET, DELETE" ? (method == "GET" || method == "HEAD" || method == "DELETE")
                                            : !only(allowed, route).has_value();
  if (!method_ok) return reply(method_not_allowed(allowed, route));

  const host::Plugin* plugin = list->find(parts[2]);
  if (plugin == nullptr) return reply(error_answer(404, "not_found", not_found_message(*list, parts[2]), route));
  if (tail.empty()) return reply(json_answer(200, definition_json(*plugin), route));
  if (tail == "validate") return reply(validate(*plugin, request));
  if (tail == "test") return test(*plugin, request, std::move(reply));
  if (!plugin->definition().uses_oauth()) {
    return reply(error_answer(400, "not_oauth",
                              fmt::format("{} uses the {} scheme, not OAuth", plugin->slug(),
                                          host::to_string(plugin->definition().scheme)),
                              route));
  }
  if (tail == "oauth/start") return oauth_start(*plugin, request, std::move(reply));
  if (method != "DELETE") return reply(oauth_status(*plugin, request));
  // A sign-out waits for a refresh of the connection under way: on a worker, not the event loop.
  run_on_lane(lanes_, plugin->slug(), request, std::move(reply), "/v1/destinations/{slug}/oauth",
              [this, plugin, request] { return oauth_sign_out(*plugin, request); });
}

ServeAnswer Api::validate(const host::Plugin& plugin, const ServeRequest& request) {
  const std::string route = "/v1/destinations/{slug}/validate";
  auto body = body_object(request, route);
  if (auto* refused = std::get_if<ServeAnswer>(&body)) return *refused;
  const json::value* settings = std::get<json::object>(body).if_contains("settings");
  if (settings == nullptr || !settings->is_object()) {
    return error_answer(400, "bad_request", "the body needs \"settings\": an object of field values", route);
  }
  auto problems = catalog_.host().validate_settings(plugin, json::serialize(*settings));
  return json_answer(200, json::object{{"ok", problems.empty()}, {"fields", problems_json(problems)}}, route);
}

void Api::test(const host::Plugin& plugin, const ServeRequest& request, Reply reply) {
  const std::string route = "/v1/destinations/{slug}/test";
  auto body = body_object(request, route);
  if (auto* refused = std::get_if<ServeAnswer>(&body)) return reply(*refused);
  const json::object& object = std::get<json::object>(body);
  const json::value* settings = object.if_contains("settings");
  if (settings == nullptr || !settings->is_object()) {
    return reply(error_answer(400, "bad_request", "the body needs \"settings\": an object of field values", route));
  }
  std::optional<std::string> connection = connection_name(object.if_contains("connection"));
  if (!connection) return reply(error_answer(400, "bad_request", kConnectionRule, route));
  JobLanes& lanes = on_fibers_(plugin) ? fiber_lanes_ : lanes_;
  run_on_lane(lanes, plugin.slug(), request, std::move(reply), route,
              [this, &plugin, route, connection = *connection, settings_text = json::serialize(*settings)] {
                CallCapture capture;
                host::AuthVerdict verdict = catalog_.host().test_authentication(plugin, settings_text, connection);
                metrics_.verdict(plugin.slug(), std::string(outcome_name(verdict.outcome)));
                json::object out = verdict_json(verdict).as_object();
                out["outcome"] = outcome_name(verdict.outcome);
                json::array log;
                for (const auto& line : capture.lines()) log.push_back(json::string(line));
                out["log"] = std::move(log);
                log_.event("info", plugin.slug(), "credential test",
                           {{"outcome", outcome_name(verdict.outcome)},
                            {"status", verdict.http_status ? json::value(*verdict.http_status) : json::value(nullptr)}});
                return json_answer(200, out, route);
              });
}

void Api::oauth_start(const host::Plugin& plugin, const ServeRequest& request, Reply reply) {
  const std::string route = "/v1/destinations/{slug}/oauth/start";
  auto body = body_object(request, route);
  if (auto* refused = std::get_if<ServeAnswer>(&body)) return reply(*refused);
  std::optional<std::string> connection = connection_name(std::get<json::object>(body).if_contains("connection"));
  if (!connection) return reply(error_answer(400, "bad_request", kConnectionRule, route));
  std::string origin = origin_;
  if (every_address_) {
    if (request.host.empty() || request.host.find_first_of("/@\\ ?#") != std::string::npos) {
      return reply(error_answer(400, "bad_request", "the request needs a Host header naming the service", route));
    }
    origin = "http://" + request.host;
  }
  auto begun = catalog_.host().oauth_begin(plugin, *connection, origin + "/v1/oauth/callback");
  if (!begun) return reply(error_answer(400, "oauth_failed", begun.status().message(), route));
  log_.event("info", plugin.slug(), "OAuth sign-in started", {{"connection", *connection}});
  reply(json_answer(200, json::object{{"authorizeUrl", begun->url}}, route));
}

void Api::oauth_callback(const ServeRequest& request, Reply reply) {
  if (auto name = repeated_in(request, {"state", "code", "error"})) {
    return reply(html_answer(400, "Not connected", fmt::format("The address gives \"{}\" more than once.", *name)));
  }
  std::string state = query_value(request, "state").value_or("");
  std::string code = query_value(request, "code").value_or("");
  std::string error = query_value(request, "error").value_or("");
  // The code exchange waits for the token endpoint: a worker's job, in a lane of its own.
  run_on_lane(lanes_, "oauth callback", request, std::move(reply), "/v1/oauth/callback", [this, state, code, error] {
    auto finished = catalog_.host().oauth_finish(state, code, error);
    if (!finished) {
      log_.event("warn", "destkit", "OAuth sign-in failed: " + finished.status().message());
      int status = finished.status().code() == host::Status::Code::unavailable ? 502 : 400;
      return html_answer(status, "Not connected", finished.status().message());
    }
    std::shared_ptr<const PluginList> list = catalog_.list();
    const host::Plugin* plugin = list->find(finished->slug);
    std::string name = plugin != nullptr ? plugin->definition().name : finished->slug;
    log_.event("info", finished->slug, "OAuth sign-in finished", {{"connection", finished->connection.connection}});
    return html_answer(200, "Connected", fmt::format("Connected to {}. You can close this window.", name));
  });
}

ServeAnswer Api::oauth_status(const host::Plugin& plugin, const ServeRequest& request) {
  const std::string route = "/v1/destinations/{slug}/oauth";
  if (auto name = repeated_in(request, {"connection"})) return repeated_answer(*name, route);
  std::optional<std::string> connection = query_connection(request);
  if (!connection) return error_answer(400, "bad_request", kConnectionRule, route);
  auto status = catalog_.host().oauth_status(plugin, *connection);
  // The stored connection cannot be used (a damaged record, an unsafe store): sign in again.
  if (!status) return error_answer(409, "oauth_failed", status.status().message(), route);
  json::object out{{"signedIn", status->signed_in}, {"connection", status->connection}};
  if (status->signed_in) {
    if (status->expires_at) {
      out["expiresAt"] = std::chrono::duration_cast<std::chrono::seconds>(status->expires_at->time_since_epoch()).count();
      out["expired"] = status->expired;
    }
    json::array scopes;
    for (const auto& scope : status->scopes) scopes.push_back(json::string(scope));
    out["scopes"] = std::move(scopes);
    out["refreshToken"] = status->has_refresh_token;
  }
  return json_answer(200, out, route);
}

ServeAnswer Api::oauth_sign_out(const host::Plugin& plugin, const ServeRequest& request) {
  const std::string route = "/v1/destinations/{slug}/oauth";
  if (auto name = repeated_in(request, {"connection"})) return repeated_answer(*name, route);
  std::optional<std::string> connection = query_connection(request);
  if (!connection) return error_answer(400, "bad_request", kConnectionRule, route);
  auto removed = catalog_.host().oauth_logout(plugin, *connection);
  if (!removed) return error_answer(409, "oauth_failed", removed.status().message(), route);
  if (*removed) log_.event("info", plugin.slug(), "OAuth connection signed out", {{"connection", *connection}});
  return json_answer(200, json::object{{"signedOut", *removed}}, route);
}

}  // namespace destkit::cli::serve
