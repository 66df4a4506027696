// timing — what the benchmarks share: elapsed time, and one timed credential check.
#pragma once

#include <destkit/host/host.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace destkit::bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The latency of one check, in ms; a failed check ends the benchmark.
inline double time_check(const host::Host& host, const host::Plugin& plugin, const std::string& settings) {
  auto start = Clock::now();
  if (!host.test_authentication(plugin, settings).ok()) {
    std::cerr << plugin.slug() << ": the check failed\n";
    std::exit(1);
  }
  return ms_since(start);
}

}  // namespace destkit::bench
