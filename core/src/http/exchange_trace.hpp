// exchange_trace — what --verbose shows of one HTTP exchange: the request as it went over the
// wire and the response (or why there was none), a line each part, every secret redacted.
#pragma once

#include "http/client.hpp"
#include "http/redactor.hpp"

#include <functional>
#include <string>

namespace destkit::host {

// Writes the exchange to `line`, redacted by `redactor`: headers named as secrets are shown
// as [redacted], URLs without their credentials, and bodies up to 1 KiB.
void trace_exchange(const ResolvedRequest& request, const HttpResult& result, const Redactor& redactor,
                    const std::function<void(const std::string&)>& line);

}  // namespace destkit::host
