// metrics — what /metrics reports, in the Prometheus text format (version 0.0.4).
//
// Labels hold only bounded, non-secret values: route templates ("/v1/destinations/{slug}/test",
// never a request's own path), status codes, the slugs of loaded destinations, verdict
// outcomes and token refresh outcomes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace destkit::cli::serve {

class Metrics {
 public:
  void request_done(const std::string& route, int status, std::chrono::steady_clock::duration took);
  void verdict(const std::string& slug, const std::string& outcome);
  // outcome: "refreshed" or "failed".
  void token_refresh(const std::string& slug, const std::string& outcome);
  void plugins_rejected(std::size_t count);
  void plugins_loaded(std::size_t count);
  void in_flight(long change);

  std::string text() const;

 private:
  // Upper bounds of the latency histogram's buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1,    2.5,   10};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::tuple<std::string, std::string>, std::uint64_t> verdicts_;
  std::map<std::tuple<std::string, std::string>, std::uint64_t> token_refreshes_;
  std::uint64_t load_failures_ = 0;
  std::size_t loaded_ = 0;
  long in_flight_ = 0;
};

}  // namespace destkit::cli::serve
