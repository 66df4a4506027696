// exchange_trace — what --verbose shows of one HTTP exchange: the request as it went over the
// wire and the response (or why there was none), a line each part, every secret redacted.
#pragma once

#include "http/client.hpp"
#include "http/redactor.hpp"

#include <boost/json/fwd.hpp>

#include <functional>
#include <string>

namespace destkit::host {

// Writes the exchange to `line`, redacted by `redactor`: headers named as secrets are shown
// as [redacted], URLs without their credentials, and bodies up to 1 KiB; the response's body
// not at all when `body_withheld` says why.
void trace_exchange(const ResolvedRequest& request, const HttpResult& result, const Redactor& redactor,
                    const std::function<void(const std::string&)>& line, std::string_view body_withheld = {});

// Adds to `redactor` every string in a JSON answer that carries tokens, but those of the few
// members known to hold no secret (token_type, scope, expires_in, the error fields).
void add_token_answer_secrets(const boost::json::value& answer, Redactor& redactor);

// trace_exchange of a request whose answer carries tokens (a token endpoint's, or what a
// destination's refreshAccessToken asked for), before anything has read them: each string of
// a JSON answer is redacted too, but for the few known to be no secret (token_type, scope, the
// error fields), and an answer that is not JSON is not shown.
void trace_token_exchange(const ResolvedRequest& request, const HttpResult& result, Redactor redactor,
                          const std::function<void(const std::string&)>& line);

}  // namespace destkit::host
