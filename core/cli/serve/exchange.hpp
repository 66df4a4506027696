// exchange — one HTTP request and its answer as the API sees them, apart from the HTTP
// library that reads and writes them (http_server.cpp).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace destkit::cli::serve {

struct ServeRequest {
  std::string method;        // "GET", as sent
  std::string path;          // the target without its query
  std::string query;         // after '?', still encoded
  std::string content_type;  // lower case, without parameters; empty when absent
  std::string authorization;
  std::string host;  // the Host header
  std::string body;
  // Whether the client has closed its connection (or its sending half) since; none: unknown.
  std::function<bool()> client_gone{};
};

struct ServeAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  // The route template it was answered by, for logs and metrics: "/v1/destinations/{slug}",
  // "unmatched" for a path no route knows.
  std::string route = "unmatched";
};

// Called exactly once per request, on any thread.
using Reply = std::function<void(ServeAnswer)>;

}  // namespace destkit::cli::serve
