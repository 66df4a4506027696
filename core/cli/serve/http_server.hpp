// http_server — HTTP/1.1 over TCP for `destkit serve` (Boost.Beast; the only file that uses
// it). Reads each request with its body bounded, hands it to the Api, writes the answer,
// logs it and counts it; stops on SIGTERM or SIGINT after the requests in flight.
#pragma once

#include "access.hpp"
#include "api.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace destkit::cli::serve {

class HttpServer {
 public:
  // Binds at once; throws std::system_error when it cannot.
  HttpServer(Api& api, Metrics& metrics, EventLog& log, ServiceState& state, const ListenAddress& address);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;

  // Serves until SIGTERM or SIGINT, then stops accepting, answers new requests on open
  // connections with 503, and waits up to `drain` for the requests in flight. SIGHUP calls
  // `on_hangup`, which must not block. `on_ready` is called once the signals are caught.
  // True when every request in flight was answered.
  bool run(const std::function<void()>& on_ready, std::function<void()> on_hangup, std::chrono::seconds drain);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace destkit::cli::serve
