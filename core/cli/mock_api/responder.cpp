#include "mock_api/responder.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

namespace destkit::mock_api {
namespace {

Response json_answer(int status, const boost::json::object& body) {
  return {status, {{"Content-Type", "application/json"}}, boost::json::serialize(body)};
}

}  // namespace

Responder::Responder(const Credentials& credentials, const Routes* routes, TokenEndpoint* tokens, RequestRecord* record)
    : credentials_(credentials), routes_(routes), tokens_(tokens), record_(record) {}

bool Responder::authenticated(const Request& request) const {
  return credentials_.present_in(request) || (tokens_ != nullptr && tokens_->accepts(request));
}

Response Responder::decide(const Request& request) {
  if (tokens_ != nullptr && request.path == TokenEndpoint::kPath) return tokens_->answer(request);
  const Response refused = json_answer(401, {{"error", "invalid credentials"}});
  if (routes_ == nullptr) return authenticated(request) ? json_answer(200, {{"ok", true}}) : refused;

  const Route* route = routes_->find(request.method, request.path);
  if (route == nullptr) {
    std::string allowed = routes_->methods_for(request.path);
    if (allowed.empty()) return json_answer(404, {{"error", fmt::format("no route for {} {}", request.method, request.path)}});
    Response wrong_method = json_answer(405, {{"error", fmt::format("{} takes {}", request.path, allowed)}});
    wrong_method.headers.emplace_back("Allow", allowed);
    return wrong_method;
  }
  if (route->auth && !authenticated(request)) return refused;
  return {route->status, route->headers, route->body};
}

Response Responder::answer(const Request& request) {
  Response response = decide(request);
  if (record_ != nullptr && !record_->write(request, response.status)) {
    fmt::print(stderr, "destkit: mock-api could not add {} {} to the record\n", request.method, request.path);
  }
  return response;
}

}  // namespace destkit::mock_api
