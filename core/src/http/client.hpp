// http/client — the one HTTP stack of the host (libcurl).
//
// Plugins never link their own: the host owns TLS, timeouts, redirects, size caps, and makes
// sure credentials never follow a redirect to another origin.
#pragma once

#include "http/request_options.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace destkit::host {

struct HttpClientConfig {
  // curl's CURLOPT_CONNECT_TO entries, "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT": lets a
  // destination written for https://example.com run unchanged against a local server.
  std::vector<std::string> connect_to{};
  std::string ca_file{};  // CA bundle to trust instead of the system's (curl's --cacert)
  int max_redirects = 10;  // 0: a 3xx answer is returned as it is
  // A 307 or 308 to another origin repeats the request body there; only when this is set.
  bool resend_body_to_other_origins = false;
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  // The whole exchange of a request the host makes itself (to a token endpoint); a plugin's
  // requests carry their own.
  std::chrono::milliseconds own_request_timeout{10000};
  // --verbose for the requests the host makes itself: receives each line of each exchange,
  // redacted (http/exchange_trace.hpp). Empty: not shown.
  std::function<void(const std::string&)> trace_own_requests{};
};

struct HttpResponse {
  int status = 0;
  std::string reason{};  // from the status line, or the standard phrase when none was sent
  HeaderList headers{};
  std::string body{};
  std::string url{};  // after redirects
  std::string host{};  // the host name of url
  // The first origin other than the request's that a redirect took it to, without the
  // request's credentials; empty when it stayed in its origin.
  std::string left_for{};
  const std::string* header(std::string_view name) const;
};

struct HttpFailure {
  enum class Kind { connect, timeout, tls, too_large, protocol, redirect, invalid_request };
  Kind kind;
  std::string host{};     // the host the request was for
  std::string message{};  // names the host; never contains credentials from the URL
};

using HttpResult = std::variant<HttpResponse, HttpFailure>;

// Sends the request; thread-safe (each thread reuses its own curl handle and connection cache).
// On a fiber (fiber/loop.hpp) it suspends the fiber until the answer is in, and the requests of
// a loop's fibers share the loop's connection cache.
//
// Redirects: only to http and https URLs, never from https to http. A hop that leaves the
// origin of the first URL keeps only Accept, Accept-Language, User-Agent and, with the body,
// Content-Type; every other header is dropped, whichever layer set it.
HttpResult send_http(const ResolvedRequest& request, const HttpClientConfig& config);

// "Unauthorized" for 401; "" for codes without a standard phrase.
std::string_view standard_reason(int status);

// scheme://host:port of an absolute URL (default ports made explicit); empty if unparsable.
std::string url_origin(const std::string& url);

// The host name of an absolute URL; empty if unparsable.
std::string url_host(const std::string& url);

}  // namespace destkit::host
