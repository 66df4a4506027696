// loopback_server — an HTTP/1.1 server on 127.0.0.1 (optionally TLS) for the test suite and
// the partner test harness (destkit/testing.hpp).
//
// Each response can misbehave on purpose (delay, trickle, raw bytes) so tests can exercise the
// host against real sockets. It records every request it receives.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace destkit::loopback {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string target;  // path and query
  HeaderList headers;
  std::string body;
  // The value of a header (case-insensitive), empty when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string reason;  // empty: the standard phrase
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds delay{0};    // wait before answering
  std::chrono::milliseconds trickle{0};  // pause between bytes of the answer
  std::optional<std::string> raw;        // sent verbatim instead of a formed answer

  static Response json(int status, std::string body);
  static Response redirect(int status, std::string location);
};

using Handler = std::function<Response(const Request&)>;

struct TlsFiles {
  std::string certificate;  // PEM
  std::string private_key;  // PEM
};

// Writes a self-signed certificate for `hosts` (DNS names; 127.0.0.1 is always included) into
// `directory` with the openssl command. The certificate is its own CA: trust it with --cacert.
TlsFiles make_self_signed_certificate(const std::string& directory, const std::vector<std::string>& hosts);

// TLS with a certificate per server name: `certificate_for` gets the name the client asked for
// (SNI; empty when it sent none, as for an IP address) and returns the PEM certificate and
// key to present. Called once per name, from connection threads.
struct TlsPerName {
  std::function<std::pair<std::string, std::string>(const std::string& server_name)> certificate_for;
};

class Server {
 public:
  explicit Server(Handler handler, std::optional<TlsFiles> tls = std::nullopt, unsigned short port = 0);
  Server(Handler handler, TlsPerName tls, unsigned short port = 0);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  std::vector<Request> requests() const;
  std::size_t request_count() const;
  void clear_requests();

 private:
  void listen(unsigned short port);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace destkit::loopback
