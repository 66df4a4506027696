// libFuzzer target: a declarative destination's template string and a value for its
// substitutions, as the host parses the template at load and renders it for a request. The
// input is the template, a NUL, then the value.
#include "declarative/template.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace declarative = destkit::host::declarative;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t nul = input.find('\0');
  std::string_view text = input.substr(0, nul);
  std::string value(nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1));
  auto parsed = declarative::parse_template(text);
  auto* t = std::get_if<declarative::Template>(&parsed);
  if (t == nullptr) return 0;
  (void)declarative::classify_url(*t, !value.empty() && value.front() == '/');
  // As a hook call does, stop once the values together pass what one call may render.
  std::size_t rendered_bytes = 0;
  std::size_t filter_bytes_left = declarative::kMaxFilteredBytesPerCall;
  for (const auto& substitution : t->substitutions) {
    auto rendered = declarative::apply_filters(value, substitution.filters, filter_bytes_left);
    auto* shown = std::get_if<0>(&rendered);
    if (shown == nullptr) continue;
    if (t->host_suffix) (void)declarative::is_host_with_suffix(*shown, *t->host_suffix);
    rendered_bytes += shown->size();
    if (rendered_bytes > declarative::kMaxRenderedBytesPerCall) break;
  }
  (void)declarative::url_host_of(text);
  return 0;
}
