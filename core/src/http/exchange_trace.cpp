#include "http/exchange_trace.hpp"

#include <fmt/format.h>

namespace destkit::host {

void trace_exchange(const ResolvedRequest& request, const HttpResult& result, const Redactor& redactor,
                    const std::function<void(const std::string&)>& line) {
  auto redacted = [&](const std::string& text) { line(redactor.apply(text)); };
  // A body is shown up to 1 KiB, cut after it is redacted: a secret across the cut would
  // otherwise be shown up to the cut, unrecognised.
  auto body = [&](std::string_view arrow, std::string_view text) {
    redacted(fmt::format("{} {}", arrow, redactor.apply_to_start(text, 1024)));
  };
  redacted(fmt::format("> {} {}", request.method, redact_url(request.url)));
  for (const auto& [name, value] : request.headers) {
    redacted(fmt::format("> {}: {}", name, is_secret_name(name) ? std::string(kRedacted) : value));
  }
  if (request.body) body(">", *request.body);
  if (const auto* failure = std::get_if<HttpFailure>(&result)) {
    redacted("< " + failure->message);
    return;
  }
  const auto& response = std::get<HttpResponse>(result);
  redacted(fmt::format("< {} {} ({} bytes, from {})", response.status, response.reason, response.body.size(),
                       redact_url(response.url)));
  for (const auto& [name, value] : response.headers) {
    redacted(fmt::format("< {}: {}", name, is_secret_name(name) ? std::string(kRedacted) : value));
  }
  if (!response.body.empty()) body("<", response.body);
}

}  // namespace destkit::host
