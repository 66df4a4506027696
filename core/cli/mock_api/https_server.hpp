// https_server — the HTTPS listener of `destkit mock-api`: one thread, on 127.0.0.1, until
// SIGINT or SIGTERM. What to answer is decided by the handler it is given.
#pragma once

#include "certificates.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace destkit::mock_api {

using NameValueList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string path;     // as received, without the query
  NameValueList query;  // decoded, in order
  NameValueList headers;
  std::string body;

  // The first value of a header (name case-insensitive) or query parameter; null when absent.
  const std::string* header(std::string_view name) const;
  const std::string* query_value(std::string_view name) const;
};

struct Response {
  int status = 200;
  NameValueList headers;
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

using certificates::TlsFiles;

// Listens on 127.0.0.1:`port` (0: any free port), calls `on_listening` with the port once
// connections are accepted, and answers every request with `handler` until SIGINT or SIGTERM
// arrives. Throws std::exception when the certificate or the port cannot be used.
void serve_https(const TlsFiles& tls, unsigned short port, const Handler& handler,
                 const std::function<void(unsigned short)>& on_listening);

}  // namespace destkit::mock_api
