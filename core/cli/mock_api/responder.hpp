// responder — what mock-api answers to one request: the token endpoint when there is one,
// then the routes file's route when there is one, else 200 to an accepted credential and
// 401 to anything else. Every request answered is written to the record when there is one.
#pragma once

#include "mock_api/credentials.hpp"
#include "mock_api/https_server.hpp"
#include "mock_api/request_record.hpp"
#include "mock_api/routes.hpp"
#include "mock_api/token_endpoint.hpp"

namespace destkit::mock_api {

class Responder {
 public:
  // Borrows everything it is given; null members are features left off.
  Responder(const Credentials& credentials, const Routes* routes, TokenEndpoint* tokens, RequestRecord* record);

  Response answer(const Request& request);

 private:
  Response decide(const Request& request);
  bool authenticated(const Request& request) const;

  const Credentials& credentials_;
  const Routes* routes_;
  TokenEndpoint* tokens_;
  RequestRecord* record_;
};

}  // namespace destkit::mock_api
