#include "http/client.hpp"

#include "fiber/waits.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <memory>

namespace destkit::host {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

size_t on_body(char* data, size_t size, size_t count, void* user);
size_t on_header(char* data, size_t size, size_t count, void* user);

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist& list, const char* line) {
  curl_slist* grown = curl_slist_append(list.get(), line);
  if (grown != nullptr) {
    list.release();
    list.reset(grown);
  }
}

// Each thread keeps one easy handle, so its connection cache is reused between requests. The
// options that do not change from one request to the next are set once; they are set again
// (after curl_easy_reset) only when a request comes with another client configuration.
class ThreadHandle {
 public:
  ThreadHandle() : curl_(curl_easy_init()) {}
  ~ThreadHandle() { curl_easy_cleanup(curl_); }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;

  CURL* configured_for(const HttpClientConfig& config) {
    if (configured_ && config.ca_file == ca_file_ && config.connect_to == connect_to_) return curl_;
    if (configured_) curl_easy_reset(curl_);  // the only way back to curl's default CA bundle
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl_, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
    ca_file_ = config.ca_file;
    if (!ca_file_.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file_.c_str());
    connect_to_ = config.connect_to;
    connect_to_list_.reset();
    for (const auto& entry : connect_to_) append(connect_to_list_, entry.c_str());
    if (connect_to_list_) curl_easy_setopt(curl_, CURLOPT_CONNECT_TO, connect_to_list_.get());
    configured_ = true;
    return curl_;
  }

  char* error_buffer() { return error_; }

 private:
  CURL* curl_;
  char error_[CURL_ERROR_SIZE] = {};
  bool configured_ = false;
  std::string ca_file_;
  std::vector<std::string> connect_to_;
  Slist connect_to_list_;
};

ThreadHandle& thread_handle() {
  static CurlGlobal global;
  thread_local ThreadHandle handle;
  return handle;
}

// The handle a request uses. On a fiber it is one of the thread's spares, the request's alone
// while the fiber is suspended in it; the loop's multi handle shares their connections.
class HandleLease {
 public:
  HandleLease() {
    if (!fiber::on_fiber()) {
      handle_ = &thread_handle();
      return;
    }
    auto& spares = fiber_spares();
    if (spares.empty()) {
      owned_ = std::make_unique<ThreadHandle>();
    } else {
      owned_ = std::move(spares.back());
      spares.pop_back();
    }
    handle_ = owned_.get();
  }
  ~HandleLease() {
    if (owned_ && fiber_spares().size() < kSparesKept) fiber_spares().push_back(std::move(owned_));
  }
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
  ThreadHandle& operator*() { return *handle_; }

 private:
  static constexpr std::size_t kSparesKept = 64;
  static std::vector<std::unique_ptr<ThreadHandle>>& fiber_spares() {
    static CurlGlobal global;
    thread_local std::vector<std::unique_ptr<ThreadHandle>> spares;
    return spares;
  }
  ThreadHandle* handle_ = nullptr;
  std::unique_ptr<ThreadHandle> owned_;
};

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// What the client needs of an absolute URL, from one parse.
struct UrlParts {
  std::unique_ptr<CURLU, UrlDeleter> parsed{};  // handed to curl, which then need not parse the URL again
  std::string scheme{};
  std::string host{};
  std::string port{};  // the scheme's default port when the URL names none

  bool is_http() const { return scheme == "http" || scheme == "https"; }
  // scheme://host:port; empty when the URL has no scheme or no host.
  // Host names are case-insensitive: API.EXAMPLE.COM is api.example.com's origin.
  std::string origin() const {
    if (scheme.empty() || host.empty()) return {};
    std::string text = fmt::format("{}://{}:{}", scheme, host, port);
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  }
};

std::string url_get(CURLU* handle, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(handle, part, &value, flags) != CURLUE_OK) return {};
  std::string out = value;
  curl_free(value);
  return out;
}

// Parts that are missing or unparsable are empty.
UrlParts parse_url(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  UrlParts parts{nullptr, url_get(handle.get(), CURLUPART_SCHEME), url_get(handle.get(), CURLUPART_HOST),
                 url_get(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)};
  parts.parsed = std::move(handle);
  return parts;
}

// What one hop collects while curl runs.
struct Hop {
  HttpResponse response;
  std::size_t max_bytes = 0;
  bool too_large = false;
  bool http_url = false;
  bool headers_done = false;  // the blank line after the headers came
  std::optional<std::string> content_length{};  // of the head being read
  std::string malformed{};  // why the answer's head cannot be read as HTTP, when curl reads it anyway
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* hop = static_cast<Hop*>(user);
  size_t length = size * count;
  if (hop->response.body.size() + length > hop->max_bytes) {
    hop->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  hop->response.body.append(data, length);
  return length;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* hop = static_cast<Hop*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {  // a new status line (also after 100 Continue)
    hop->response.headers.clear();
    hop->content_length.reset();
    auto code = line.find(' ');
    auto reason = code == std::string_view::npos ? code : line.find(' ', code + 1);
    hop->response.reason = reason == std::string_view::npos ? "" : trim(line.substr(reason + 1));
  } else if (line == "\r\n" || line == "\n") {
    hop->headers_done = true;
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name = trim(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    // Two lengths leave where the answer ends to a guess (RFC 9112 §6.3): curl would take one.
    if (iequals(name, "Content-Length")) {
      if (hop->content_length && *hop->content_length != value) {
        hop->malformed = "it gives two different Content-Length values";
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
      }
      hop->content_length = value;
    }
    hop->response.headers.emplace_back(std::move(name), std::move(value));
  }
  return size * count;
}

HttpFailure failure(HttpFailure::Kind kind, const std::string& host, std::string message) {
  return HttpFailure{kind, host, std::move(message)};
}

HttpFailure curl_failure(CURLcode code, const Hop& hop, const std::string& host,
                         const char* detail, milliseconds timeout, std::size_t max_bytes) {
  using Kind = HttpFailure::Kind;
  std::string why = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return failure(Kind::timeout, host,
                     fmt::format("{} did not answer completely within {} ms", host, timeout.count()));
    case CURLE_COULDNT_RESOLVE_HOST:
      return failure(Kind::connect, host, fmt::format("could not resolve the host name {}", host));
    case CURLE_COULDNT_CONNECT:
      return failure(Kind::connect, host, fmt::format("could not connect to {} ({})", host, why));
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return failure(Kind::tls, host, fmt::format("the TLS connection to {} failed ({})", host, why));
    case CURLE_WRITE_ERROR:
      if (!hop.malformed.empty()) {
        return failure(Kind::protocol, host,
                       fmt::format("{} did not send a valid HTTP answer ({})", host, hop.malformed));
      }
      if (hop.too_large) {
        return failure(Kind::too_large, host,
                       fmt::format("the response from {} is larger than the limit of {} bytes",
                                   host, max_bytes));
      }
      break;
    case CURLE_OUT_OF_MEMORY:  // what curl reports for a header line beyond CURL_MAX_HTTP_HEADER
      if (!hop.headers_done) {
        return failure(Kind::too_large, host, fmt::format("{} sent a header too large to read (over {} KiB)", host,
                                                          CURL_MAX_HTTP_HEADER / 1024));
      }
      break;
    case CURLE_URL_MALFORMAT:
      return failure(Kind::invalid_request, host, fmt::format("the URL for {} is not a valid URL", host));
    case CURLE_UNSUPPORTED_PROTOCOL:  // also an HTTP/0.9 answer: only a bad scheme is the URL's fault
      if (!hop.http_url) {
        return failure(Kind::invalid_request, host, fmt::format("the URL for {} is not an http or https URL", host));
      }
      break;
    default:
      break;
  }
  return failure(Kind::protocol, host, fmt::format("{} did not send a valid HTTP answer ({})", host, why));
}

struct HopRequest {
  CURLU* url;
  const std::string& method;
  const HeaderList& headers;
  const std::optional<std::string>& body;
};

// Runs one request without following redirects. Returns the CURLcode; fills hop.
CURLcode perform(const HopRequest& r, const HttpClientConfig& config, milliseconds remaining,
                 Hop& hop, std::string& redirect_to, ThreadHandle& handle) {
  CURL* curl = handle.configured_for(config);
  handle.error_buffer()[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_CURLU, r.url);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &hop);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hop);

  Slist headers;
  std::string line;
  for (const auto& [name, value] : r.headers) {
    // "Name:" alone would make curl drop the header (and a default of that name); "Name;"
    // sends it with no value, as it was given.
    if (value.empty())
      line.assign(name).append(";");
    else
      line.assign(name).append(": ").append(value);
    append(headers, line.c_str());
  }
  append(headers, "Expect:");  // no 100-continue round trip for bodies
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  // Every request sets all of the method's options: the handle keeps the previous request's.
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
  if (r.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (r.method != "GET" || r.body) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    // curl reads the body during perform: point it at storage that outlives this call.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body ? r.body->size() : 0));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body ? r.body->data() : "");
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);  // also clears NOBODY and a previous body
  }

  CURLcode code = fiber::perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);  // the list and the URL die with this call
  curl_easy_setopt(curl, CURLOPT_CURLU, nullptr);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  hop.response.status = static_cast<int>(status);
  char* location = nullptr;
  curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
  redirect_to = location != nullptr ? location : "";
  return code;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The headers a hop to another origin keeps: what the client accepts and who it is, never
// who the user is, whichever layer set them.
bool goes_to_other_origins(std::string_view name, bool body_kept) {
  return iequals(name, "accept") || iequals(name, "accept-language") || iequals(name, "user-agent") ||
         (body_kept && iequals(name, "content-type"));
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

std::string url_origin(const std::string& url) { return parse_url(url).origin(); }

std::string url_host(const std::string& url) { return parse_url(url).host; }

HttpResult send_http(const ResolvedRequest& request, const HttpClientConfig& config) {
  using Kind = HttpFailure::Kind;
  const Clock::time_point deadline = Clock::now() + request.timeout;
  UrlParts parts = parse_url(request.url);
  const std::string first_origin = parts.origin();
  if (first_origin.empty()) {
    return failure(Kind::invalid_request, parts.host, "the request URL is not a valid absolute URL");
  }

  // The request as the next hop sends it: the caller's until a redirect changes a part.
  std::string url = request.url;
  std::string method = request.method;
  const HeaderList* headers = &request.headers;
  const std::optional<std::string>* body = &request.body;
  HeaderList changed_headers;
  std::string left_for;
  std::string redirected_from;  // the host of the hop before this one
  static const std::optional<std::string> no_body;
  HandleLease lease;
  ThreadHandle& handle = *lease;

  for (int redirects = 0;; ++redirects) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining <= milliseconds(0)) {
      return failure(Kind::timeout, parts.host, fmt::format("{} did not answer completely within {} ms",
                                                            parts.host, request.timeout.count()));
    }
    Hop hop;
    hop.max_bytes = config.max_response_bytes;
    hop.http_url = parts.is_http();
    std::string redirect_to;
    CURLcode code = perform({parts.parsed.get(), method, *headers, *body}, config, remaining, hop, redirect_to, handle);
    if (code != CURLE_OK) {
      HttpResult failed =
          curl_failure(code, hop, parts.host, handle.error_buffer(), request.timeout, config.max_response_bytes);
      // A URL the caller did not make is the redirecting server's doing, not the caller's.
      auto& f = std::get<HttpFailure>(failed);
      if (redirects > 0 && f.kind == Kind::invalid_request) {
        return failure(Kind::redirect, redirected_from,
                       fmt::format("{} redirected to a URL that cannot be requested ({})", redirected_from, f.message));
      }
      return failed;
    }
    HttpResponse& response = hop.response;
    if (response.reason.empty()) response.reason = standard_reason(response.status);
    // max_redirects 0: redirects are not followed; the 3xx is the answer.
    if (!is_redirect(response.status) || redirect_to.empty() || config.max_redirects == 0) {
      response.url = std::move(url);
      response.host = std::move(parts.host);
      response.left_for = std::move(left_for);
      return std::move(response);
    }

    const std::string& host = parts.host;
    if (redirects >= config.max_redirects) {
      return failure(Kind::redirect, host,
                     fmt::format("{} redirected more than {} times", host, config.max_redirects));
    }
    UrlParts next = parse_url(redirect_to);
    if (!next.is_http()) {
      return failure(Kind::redirect, host,
                     fmt::format("{} redirected to {}; only http and https URLs are followed", host,
                                 next.scheme.empty() ? "an invalid URL" : "a " + next.scheme + ": URL"));
    }
    if (parts.scheme == "https" && next.scheme != "https") {
      return failure(Kind::redirect, host,
                     fmt::format("{} redirected from https to an insecure URL on {}; not followed",
                                 host, next.host));
    }
    std::string next_origin = next.origin();
    bool leaves_origin = next_origin != first_origin;
    if (leaves_origin && request.redirects_within_origin_only) {
      return failure(Kind::redirect, host,
                     fmt::format("{} redirected to another origin ({}); this request carries credentials "
                                 "and is only redirected within its origin", host, next_origin));
    }
    auto change_headers = [&](auto&& dropped) {
      if (headers != &changed_headers) changed_headers = *headers;
      headers = &changed_headers;
      std::erase_if(changed_headers, dropped);
    };
    if (response.status == 303 || ((response.status == 301 || response.status == 302) && method == "POST")) {
      method = "GET";
      body = &no_body;
      change_headers([](const auto& h) { return iequals(h.first, "content-type"); });
    } else if (leaves_origin && body->has_value() && !config.resend_body_to_other_origins) {
      // 307 and 308 repeat the request, body and all: the body was meant for this origin.
      return failure(Kind::redirect, host,
                     fmt::format("{} answered {} to another origin ({}), which would send the request body "
                                 "there; not followed", host, response.status, next_origin));
    }
    if (leaves_origin) {
      if (left_for.empty()) left_for = next_origin;
      bool body_kept = body->has_value();
      change_headers([&](const auto& h) { return !goes_to_other_origins(h.first, body_kept); });
    }
    redirected_from = host;
    url = std::move(redirect_to);
    parts = std::move(next);
  }
}

std::string_view standard_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace destkit::host
