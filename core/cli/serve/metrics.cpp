#include "metrics.hpp"

#include "util/printable.hpp"

#include <fmt/format.h>

namespace destkit::cli::serve {
namespace {

// A label value as the text format wants it: backslash, quote and newline escaped.
std::string label(const std::string& value) {
  std::string out;
  for (char c : host::printable(value, 200)) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

// A counter labelled by destination and outcome, with its HELP and TYPE lines.
void by_outcome(std::string& out, std::string_view name, std::string_view help,
                const std::map<std::tuple<std::string, std::string>, std::uint64_t>& counts) {
  out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  for (const auto& [key, n] : counts) {
    out += fmt::format("{}{{destination=\"{}\",outcome=\"{}\"}} {}\n", name, label(std::get<0>(key)),
                       label(std::get<1>(key)), n);
  }
}

}  // namespace

void Metrics::request_done(const std::string& route, int status, std::chrono::steady_clock::duration took) {
  double seconds = std::chrono::duration<double>(took).count();
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  if (bucket < kBuckets.size()) ++h.counts[bucket];
  ++h.count;
  h.sum += seconds;
}

void Metrics::verdict(const std::string& slug, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++verdicts_[{slug, outcome}];
}

void Metrics::token_refresh(const std::string& slug, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++token_refreshes_[{slug, outcome}];
}

void Metrics::plugins_rejected(std::size_t count) {
  std::lock_guard lock(mutex_);
  load_failures_ += count;
}

void Metrics::plugins_loaded(std::size_t count) {
  std::lock_guard lock(mutex_);
  loaded_ = count;
}

void Metrics::in_flight(long change) {
  std::lock_guard lock(mutex_);
  in_flight_ += change;
}

std::string Metrics::text() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP destkit_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE destkit_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("destkit_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", label(std::get<0>(key)),
                       std::get<1>(key), n);
  }
  out += "# HELP destkit_http_request_duration_seconds Time from a request read to its answer written, by route.\n";
  out += "# TYPE destkit_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out += fmt::format("destkit_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", label(route),
                         kBuckets[i], cumulative);
    }
    out += fmt::format("destkit_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", label(route), h.count);
    out += fmt::format("destkit_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label(route), h.sum);
    out += fmt::format("destkit_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label(route), h.count);
  }
  by_outcome(out, "destkit_verdicts_total", "Credential tests, by destination and outcome.", verdicts_);
  by_outcome(out, "destkit_token_refreshes_total",
             "OAuth access token refreshes made for credential tests, by destination and outcome (refreshed, failed).",
             token_refreshes_);
  out += "# HELP destkit_plugin_load_failures_total Plugin files rejected, at start and on each rescan.\n";
  out += "# TYPE destkit_plugin_load_failures_total counter\n";
  out += fmt::format("destkit_plugin_load_failures_total {}\n", load_failures_);
  out += "# HELP destkit_plugins_loaded Destinations loaded and served.\n";
  out += "# TYPE destkit_plugins_loaded gauge\n";
  out += fmt::format("destkit_plugins_loaded {}\n", loaded_);
  out += "# HELP destkit_http_requests_in_flight Requests read and not yet answered.\n";
  out += "# TYPE destkit_http_requests_in_flight gauge\n";
  out += fmt::format("destkit_http_requests_in_flight {}\n", in_flight_);
  return out;
}

}  // namespace destkit::cli::serve
