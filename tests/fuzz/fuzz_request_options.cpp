// libFuzzer target: request options from three layers merged into one request, and the
// redaction of the resulting URL. The input is split on NUL bytes into the URL and the
// values the layers use.
#include "http/request_options.hpp"

#include "http/redactor.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      parts.emplace_back();
    } else {
      parts.back() += static_cast<char>(data[i]);
    }
  }
  parts.resize(12);
  using destkit::host::RequestOptions;
  RequestOptions defaults{.headers = {{"User-Agent", "destkit"}}, .username = parts[1], .password = parts[2]};
  RequestOptions extension{.prefix_url = parts[3], .headers = {{parts[4], parts[5]}}, .search_params = {{parts[6], parts[7]}}};
  RequestOptions call{.method = parts[8], .headers = {{parts[9], parts[10]}}, .search_params = {{parts[6], parts[11]}},
                      .body = parts[11], .body_is_json = !parts[11].empty()};
  auto resolved = destkit::host::resolve_request(parts[0], defaults, extension, call);
  if (resolved.ok()) {
    destkit::host::redact_url(resolved.request.url);
    for (const auto& [name, value] : resolved.request.headers) destkit::host::header_problem(name, value);
  }
  destkit::host::Redactor redactor;
  redactor.add(parts[2]);
  redactor.apply(parts[0]);
  return 0;
}
