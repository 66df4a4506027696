#include "mock_api.hpp"

#include "commands.hpp"
#include "certificates.hpp"
#include "mock_api/credentials.hpp"
#include "mock_api/https_server.hpp"
#include "mock_api/request_record.hpp"
#include "mock_api/responder.hpp"
#include "mock_api/routes.hpp"
#include "mock_api/token_endpoint.hpp"
#include "standard_output.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <variant>

namespace destkit::cli {
namespace {

using namespace destkit::mock_api;
using certificates::certificate_name_problem;
using certificates::make_self_signed_certificate;

// The credentials of --accept, --accept-basic and --accept-query; `error` tells the first
// malformed one.
Credentials accepted_credentials(const Arguments& a, std::string& error) {
  Credentials credentials;
  for (const auto& flag : a.accept) {
    if (error.empty()) error = credentials.accept_header(flag);
  }
  for (const auto& flag : a.accept_basic) {
    if (error.empty()) error = credentials.accept_basic(flag);
  }
  for (const auto& flag : a.accept_query) {
    if (error.empty()) error = credentials.accept_query(flag);
  }
  return credentials;
}

std::optional<TokenEndpoint> token_endpoint(const std::string& flag, std::string& error) {
  if (flag.empty()) return std::nullopt;
  auto colon = flag.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == flag.size()) {
    error = "--oauth-client takes ID:PASS, the client id and its secret";
    return std::nullopt;
  }
  return TokenEndpoint(flag.substr(0, colon), flag.substr(colon + 1));
}

// The routes of --routes FILE, or the problem with them, naming the file.
std::variant<std::optional<Routes>, std::string> routes_of(const Arguments& a) {
  if (a.routes.empty()) return std::optional<Routes>();
  host::FileText text = read_input(a.routes);
  if (!text.ok()) return fmt::format("cannot use the routes file: {}", text.error);
  auto parsed = Routes::parse(text.text);
  if (auto* error = std::get_if<std::string>(&parsed)) return fmt::format("the routes file {} is invalid: {}", a.routes, *error);
  Routes& routes = std::get<Routes>(parsed);
  if (!a.oauth_client.empty() && !routes.methods_for(TokenEndpoint::kPath).empty()) {
    return fmt::format("the routes file {} has a route for {}, the token endpoint that --oauth-client serves",
                       a.routes, TokenEndpoint::kPath);
  }
  return std::optional<Routes>(std::move(routes));
}

}  // namespace

int mock_api(const Arguments& a) {
  if (a.certificate_dir.empty()) return usage_error("mock-api needs --certificate-dir DIR", "mock-api");
  std::string error;
  Credentials credentials = accepted_credentials(a, error);
  std::optional<TokenEndpoint> tokens = token_endpoint(a.oauth_client, error);
  std::vector<std::string> names = a.tls_names;
  if (names.empty()) names = {"example.com", "*.example.com"};
  for (const auto& name : names) {
    if (error.empty() && !certificate_name_problem(name).empty()) error = "--tls-name " + certificate_name_problem(name);
  }
  if (error.empty() && a.record_secrets && a.record.empty()) error = "--record-secrets needs --record FILE";
  if (!error.empty()) return usage_error(error, "mock-api");

  auto routes = routes_of(a);
  if (auto* problem = std::get_if<std::string>(&routes)) {
    fmt::print(stderr, "destkit: {}\n", host::printable(*problem));
    return kExitUsage;
  }
  std::optional<Routes>& loaded_routes = std::get<std::optional<Routes>>(routes);
  try {
    TlsFiles tls = make_self_signed_certificate(a.certificate_dir, names);
    std::unique_ptr<RequestRecord> record;
    if (!a.record.empty()) record = std::make_unique<RequestRecord>(a.record, credentials, a.record_secrets);
    Responder responder(credentials, loaded_routes ? &*loaded_routes : nullptr, tokens ? &*tokens : nullptr,
                        record.get());
    serve_https(tls, static_cast<unsigned short>(a.port), [&](const Request& r) { return responder.answer(r); },
                [&](unsigned short port) {
                  fmt::print(cli_output(), "port {}\ncertificate {}\n", port, host::printable(tls.certificate.string()));
                  // Nobody could learn the port: do not serve blind.
                  if (std::fflush(cli_output()) != 0) throw std::runtime_error("could not write the port");
                });
  } catch (const std::exception& e) {
    fmt::print(stderr, "destkit: mock-api could not start: {}\n", host::printable(e.what()));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace destkit::cli
