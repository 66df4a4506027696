#include "dry_run_output.hpp"

#include "output.hpp"
#include "util/printable.hpp"

#include <boost/json/object.hpp>
#include <fmt/format.h>

namespace destkit::cli {
namespace {

namespace json = boost::json;
using host::printable;

// Why only the first request is shown when testRequest asked for several.
std::string later_requests_note(std::size_t count) {
  return fmt::format(
      "testRequest asked for {} requests; only the first is shown: the later ones were asked for after the first was "
      "answered \"not sent\", so what they are depends on an answer a dry run does not give.",
      count);
}

std::string no_request_text(const host::DryRun& run) {
  if (!run.ran_test_request) return verdict_text(run.verdict);
  return fmt::format("Dry run: testRequest asked for no request. It concluded: {}", verdict_text(run.verdict));
}

}  // namespace

bool dry_run_shows_request(const host::DryRun& run) { return !run.requests.empty(); }

std::string dry_run_text(const host::DryRun& run) {
  if (run.requests.empty()) return no_request_text(run);
  const host::ShownRequest& first = run.requests.front();
  std::string out = "Dry run: testRequest would send this request (not sent; credentials redacted):\n";
  out += fmt::format("{} {}\n", printable(first.method), printable(first.url));
  for (const auto& [name, value] : first.headers) out += fmt::format("{}: {}\n", printable(name), printable(value));
  if (first.body) out += fmt::format("\n{}\n", printable(*first.body));
  if (run.requests.size() > 1) out += "\nNote: " + later_requests_note(run.requests.size()) + "\n";
  return out;
}

json::value dry_run_json(const host::DryRun& run) {
  if (run.requests.empty()) {
    json::object out = verdict_json(run.verdict).as_object();
    out["dryRun"] = true;
    out["requestCount"] = 0;
    return out;
  }
  const host::ShownRequest& first = run.requests.front();
  json::object headers;
  for (const auto& [name, value] : first.headers) headers[name] = value;
  json::object request{{"method", first.method}, {"url", first.url}, {"headers", std::move(headers)}};
  request["body"] = first.body ? json::value(*first.body) : json::value(nullptr);
  // "ok" is false: nothing was sent, so nothing says the credentials work (exit 0: shown).
  json::object out{
      {"ok", false}, {"dryRun", true}, {"request", std::move(request)}, {"requestCount", run.requests.size()}};
  if (run.requests.size() > 1) out["note"] = later_requests_note(run.requests.size());
  return out;
}

}  // namespace destkit::cli
