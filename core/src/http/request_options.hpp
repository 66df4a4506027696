// http/request_options — request options and the rule that merges them.
//
// Three layers, later wins: host defaults, then the destination's extendRequest, then the
// options of the call. Headers merge case-insensitively; username/password become a Basic
// Authorization header in the layer that set them, replacing an Authorization header of the
// same layer; an empty username and password send no Authorization. Search params replace
// same-named ones of an earlier layer and are added to the URL's own query.
#pragma once

#include "http/option_rules.hpp"
#include "util/encoding.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace destkit::host {

enum class ResponseType { text, json };

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One layer. Members left unset keep the value of an earlier layer.
struct RequestOptions {
  std::optional<std::string> method{};
  std::optional<std::string> prefix_url{};
  HeaderList headers{};
  std::optional<std::string> username{};
  std::optional<std::string> password{};
  HeaderList search_params{};
  std::optional<std::string> body{};
  bool body_is_json = false;
  std::optional<std::chrono::milliseconds> timeout{};
  std::optional<ResponseType> response_type{};
  std::optional<bool> throw_http_errors{};
};

// A request ready to send.
struct ResolvedRequest {
  std::string method = "GET";
  std::string url{};
  HeaderList headers{};  // one per name (case-insensitive), in the case first given
  std::optional<std::string> body{};
  std::chrono::milliseconds timeout{10000};
  // Unset: a body whose Content-Type says JSON is checked to be JSON; text: none is checked.
  std::optional<ResponseType> response_type{};
  bool throw_http_errors = true;
  // For requests that carry tokens or a client secret (token requests, refreshes): a redirect
  // to another origin is an error instead of a hop.
  bool redirects_within_origin_only = false;
};

struct ResolveResult {
  ResolvedRequest request;
  std::string error{};  // e.g. a relative URL with no prefixUrl, a line break in the URL
  bool ok() const { return error.empty(); }
};

// Merges defaults <- extension <- call and builds the final URL from `url`.
ResolveResult resolve_request(std::string_view url, const RequestOptions& defaults,
                              const RequestOptions& extension, const RequestOptions& call);

// "https://a.example/api/" + "/x" -> "https://a.example/api/x": exactly one '/' between.
std::string join_url(std::string_view prefix, std::string_view path);

// Authorization: Basic base64(utf8(username ":" password)).
std::string basic_authorization(std::string_view username, std::string_view password);

bool iequals(std::string_view a, std::string_view b);

// Empty when the header can be sent as is; otherwise why not (bad name, CR/LF in the value).
std::string header_problem(std::string_view name, std::string_view value);
// The same for a header a request is to carry: also none the HTTP client writes itself
// (is_client_written_header).
std::string request_header_problem(std::string_view name, std::string_view value);

}  // namespace destkit::host
