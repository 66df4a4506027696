#include "http/exchange_trace.hpp"

#include "util/json_input.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>

namespace destkit::host {

void add_token_answer_secrets(const boost::json::value& v, Redactor& redactor) {
  static constexpr std::array<std::string_view, 6> kNotSecret{"token_type",        "scope",     "error",
                                                              "error_description", "error_uri", "expires_in"};
  if (const auto* s = v.if_string()) redactor.add(*s);
  if (const auto* a = v.if_array()) {
    for (const auto& item : *a) add_token_answer_secrets(item, redactor);
  }
  if (const auto* o = v.if_object()) {
    for (const auto& member : *o) {
      bool shown = std::find(kNotSecret.begin(), kNotSecret.end(), std::string_view(member.key())) != kNotSecret.end();
      if (!shown || !member.value().is_string()) add_token_answer_secrets(member.value(), redactor);
    }
  }
}

void trace_exchange(const ResolvedRequest& request, const HttpResult& result, const Redactor& redactor,
                    const std::function<void(const std::string&)>& line, std::string_view body_withheld) {
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
  if (!body_withheld.empty()) {
    line(fmt::format("< ({})", body_withheld));
  } else if (!response.body.empty()) {
    body("<", response.body);
  }
}

void trace_token_exchange(const ResolvedRequest& request, const HttpResult& result, Redactor redactor,
                          const std::function<void(const std::string&)>& line) {
  const auto* response = std::get_if<HttpResponse>(&result);
  if (response == nullptr || response->body.empty()) return trace_exchange(request, result, redactor, line);
  ParsedJson parsed = parse_json_input(response->body);
  if (parsed.ok()) {
    add_token_answer_secrets(parsed.value, redactor);
    return trace_exchange(request, result, redactor, line);
  }
  trace_exchange(request, result, redactor, line,
                 "the body is not shown: a token answer that is not JSON may hold tokens destkit cannot tell");
}

}  // namespace destkit::host
