// Redaction with secrets planted by other callers: what a call's redaction costs when the
// process remembers kMaxRememberedSecrets values chosen to be as costly as possible, as a
// ratio to the same redaction with nothing remembered, measured in the same run.
#include "http/redactor.hpp"
#include "timing.hpp"

#include <fmt/format.h>

#include <string>

using namespace destkit;
using bench::Clock;

namespace {

// The milliseconds one redaction of `text` takes, the best of a few.
double best_ms(const host::Redactor& redactor, const std::string& text) {
  double best = 1e300;
  for (int round = 0; round < 5; ++round) {
    auto start = Clock::now();
    std::string redacted = redactor.apply(text);
    best = std::min(best, bench::ms_since(start));
    if (redacted.size() > 2 * text.size()) std::abort();  // keeps the call
  }
  return best;
}

}  // namespace

int main() {
  // A 64 KiB answer of the shape that costs most: one letter repeated, with the escapes that
  // make the redactor decode it in every way it knows (JSON, URL, HTML).
  std::string text = "{\"error\": \"\\u0061%61&amp;" + std::string(64 * 1024, 'a') + "\"}";
  host::Redactor call;
  call.add("the-call's-own-Secret-1234");
  call.limit_to("victim");
  double nothing_remembered = best_ms(call, text);

  // Planted by callers of the same destination: the longest values remembered, each the
  // letter repeated with a different ending, so every place in the text starts a near match.
  for (std::size_t i = 0; i < host::kMaxRememberedSecrets; ++i) {
    std::string planted(host::kMaxRememberedSecretBytes - 8, 'a');
    host::remember_secret(planted + fmt::format("{:08}", i), "victim");
  }
  double planted_alike = best_ms(call, text);
  // Planted as nested runs of the letter, each a suffix of the next.
  for (std::size_t i = 0; i < host::kMaxRememberedSecrets; ++i) {
    host::remember_secret("b" + std::string(host::kMinRememberedSecretBytes + i, 'a'), "victim");
  }
  double planted_nested = best_ms(call, text);

  fmt::print("redaction of a {} KiB text, best of 5, {} values remembered\n", text.size() / 1024,
             host::kMaxRememberedSecrets);
  fmt::print("  nothing remembered:        {:8.3f} ms\n", nothing_remembered);
  fmt::print("  planted, alike:            {:8.3f} ms  ({:.2f}x)\n", planted_alike, planted_alike / nothing_remembered);
  fmt::print("  planted, nested:           {:8.3f} ms  ({:.2f}x)\n", planted_nested,
             planted_nested / nothing_remembered);
  return 0;
}
