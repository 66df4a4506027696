#include "mock_api.hpp"

#include "commands.hpp"
#include "loopback_server.hpp"
#include "standard_output.hpp"

#include <fmt/format.h>

#include <csignal>
#include <pthread.h>

namespace destkit::cli {
namespace {

using loopback::Request;
using loopback::Response;

// "Authorization: Bearer x" -> {"Authorization", "Bearer x"}
std::pair<std::string, std::string> split_header(const std::string& line) {
  auto colon = line.find(':');
  if (colon == std::string::npos) return {};
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(' '));
  return {line.substr(0, colon), value};
}

}  // namespace

int mock_api(const Arguments& a) {
  if (a.certificate_dir.empty()) {
    fmt::print(stderr, "destkit: mock-api needs --certificate-dir DIR\n");
    return kExitUsage;
  }
  std::vector<std::pair<std::string, std::string>> accepted;
  for (const auto& line : a.accept) {
    auto header = split_header(line);
    if (header.first.empty()) {
      fmt::print(stderr, "destkit: --accept takes \"Name: value\", not \"{}\"\n", line);
      return kExitUsage;
    }
    accepted.push_back(header);
  }
  std::vector<std::string> names = a.tls_names;
  if (names.empty()) names = {"example.com", "*.example.com"};

  // Block the signals before any thread starts, so only sigwait below receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  loopback::TlsFiles tls = loopback::make_self_signed_certificate(a.certificate_dir, names);
  loopback::Server server(
      [&](const Request& request) {
        for (const auto& [name, value] : accepted) {
          if (request.header(name) == value) return Response::json(200, R"({"ok":true})");
        }
        return Response::json(401, R"({"error":"invalid credentials"})");
      },
      tls, static_cast<unsigned short>(a.port));
  fmt::print(cli_output(), "port {}\ncertificate {}\n", server.port(), tls.certificate);
  if (std::fflush(cli_output()) != 0) return kExitFailure;  // nobody can learn the port: do not serve blind
  int received = 0;
  sigwait(&stop, &received);
  return kExitOk;
}

}  // namespace destkit::cli
