// api — the routes of `destkit serve` (docs in /README.md, "destkit serve"): the v1 JSON
// API, the OAuth callback, health, readiness, metrics and the embedded tester page.
//
// handle() never waits for a plugin: credential tests and OAuth code exchanges run on the
// Lanes' worker threads and reply from there; everything else answers at once.
#pragma once

#include "access.hpp"
#include "catalog.hpp"
#include "event_log.hpp"
#include "exchange.hpp"
#include "lanes.hpp"
#include "metrics.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace destkit::cli::serve {

// Requests with a larger body are refused with 413 before it is read.
inline constexpr std::size_t kMaxBodyBytes = 1 << 20;

// {"error": {"code", "message"}} with a stable code.
ServeAnswer error_answer(int status, std::string_view code, std::string_view message, std::string route = "unmatched");

struct ServiceState {
  std::atomic<bool> ready{false};     // plugins loaded, listening
  std::atomic<bool> stopping{false};  // SIGTERM: new API requests get 503
};

class Api {
 public:
  // A destination's credential tests run on `fiber_lanes` when `on_fibers` says its hooks run
  // in a runner (fiber_lanes.hpp); every other job that may wait runs on `lanes`.
  Api(Catalog& catalog, Lanes& lanes, JobLanes& fiber_lanes, std::function<bool(const host::Plugin&)> on_fibers,
      Metrics& metrics, EventLog& log, const ServiceState& state, std::optional<BearerToken> token)
      : catalog_(catalog),
        lanes_(lanes),
        fiber_lanes_(fiber_lanes),
        on_fibers_(std::move(on_fibers)),
        metrics_(metrics),
        log_(log),
        state_(state),
        token_(std::move(token)) {}

  // scheme://host:port the service listens on: where OAuth sends the browser back. When it
  // listens on every address (0.0.0.0, ::), the start request's Host header names it instead.
  void set_origin(std::string origin, bool every_address) {
    origin_ = std::move(origin);
    every_address_ = every_address;
  }

  void handle(const ServeRequest& request, Reply reply);
  // The answer to a request that may not be made, whatever its body (a Host header that is not
  // loopback's without a token; an API request without the token), from its head alone: the
  // server sends it without reading the body.
  std::optional<ServeAnswer> refusal_before_body(const ServeRequest& head) const;

 private:
  void test(const host::Plugin& plugin, const ServeRequest& request, Reply reply);
  void oauth_start(const host::Plugin& plugin, const ServeRequest& request, Reply reply);
  void oauth_callback(const ServeRequest& request, Reply reply);
  ServeAnswer oauth_status(const host::Plugin& plugin, const ServeRequest& request);
  ServeAnswer oauth_sign_out(const host::Plugin& plugin, const ServeRequest& request);
  ServeAnswer validate(const host::Plugin& plugin, const ServeRequest& request);

  Catalog& catalog_;
  Lanes& lanes_;
  JobLanes& fiber_lanes_;
  std::function<bool(const host::Plugin&)> on_fibers_;
  Metrics& metrics_;
  EventLog& log_;
  const ServiceState& state_;
  std::optional<BearerToken> token_;
  std::string origin_;
  bool every_address_ = false;
};

}  // namespace destkit::cli::serve
