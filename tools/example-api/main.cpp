// destkit-example-api — the Example API the bundled example destinations talk to, on
// 127.0.0.1 over HTTPS, so they can be tried without any network.
//
//   destkit-example-api --certificate-dir DIR [--port N]
//
// Writes a self-signed certificate for example.com and *.example.com into DIR, prints
// "port N" when ready, and serves until it is stopped. GET /api/accounts/me.json answers 200
// for the example credentials and 401 for anything else.
#include "loopback_server.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

// base64("example-user:example-pass")
constexpr const char* kAccepted[] = {
    "Basic ZXhhbXBsZS11c2VyOmV4YW1wbGUtcGFzcw==",
    "Bearer example-api-key-0123456789",
    "Bearer example-access-token",
    "Token example-c-token",
};

destkit::loopback::Response answer(const destkit::loopback::Request& request) {
  using destkit::loopback::Response;
  if (request.target != "/api/accounts/me.json") return Response::json(404, R"({"error":"no such endpoint"})");
  for (const char* accepted : kAccepted) {
    if (request.header("Authorization") == accepted) return Response::json(200, R"({"id":"acct_1","name":"Example Account"})");
  }
  return Response::json(401, R"({"error":"invalid credentials"})");
}

}  // namespace

int main(int argc, char** argv) {
  std::string directory;
  unsigned short port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string option = argv[i];
    if (option == "--certificate-dir") directory = argv[i + 1];
    if (option == "--port") port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
  }
  if (directory.empty()) {
    std::fprintf(stderr, "usage: destkit-example-api --certificate-dir DIR [--port N]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // server threads inherit the mask

  auto tls = destkit::loopback::make_self_signed_certificate(directory, {"example.com", "*.example.com"});
  destkit::loopback::Server server(answer, tls, port);
  std::printf("port %u\n", server.port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  return 0;
}
