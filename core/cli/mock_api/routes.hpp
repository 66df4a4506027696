// routes — the answers a routes file scripts for mock-api: per method and path, a status,
// headers and a body, and whether the request must carry an accepted credential.
//
//   {"routes": [{"method": "GET", "path": "/api/me", "auth": true,
//                "status": 200, "headers": {"X-Plan": "pro"}, "body": {"id": 1}}]}
#pragma once

#include "mock_api/https_server.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace destkit::mock_api {

struct Route {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/api/me", compared with the request's path exactly
  bool auth = false;   // answer 401 unless an accepted credential is present
  int status = 200;
  NameValueList headers;
  std::string body;  // a JSON body serialized, or a string body as it is
};

class Routes {
 public:
  // The routes in `text`, or the first problem found, as "$.routes[2].status: why".
  static std::variant<Routes, std::string> parse(std::string_view text);

  const Route* find(std::string_view method, std::string_view path) const;
  // The methods that have a route for `path` ("GET, POST"), empty when none has.
  std::string methods_for(std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace destkit::mock_api
