// dry_run_output — how destkit test-auth --dry-run shows the request testRequest would send.
#pragma once

#include <destkit/host/verdict.hpp>

#include <boost/json/value.hpp>

#include <string>

namespace destkit::cli {

// When testRequest asked for requests: the first, as it would go over the wire (credentials
// redacted), and a note when it asked for more. Otherwise the verdict that says why not.
std::string dry_run_text(const host::DryRun& run);
// {"ok", "dryRun": true, "request": {"method", "url", "headers", "body"}, "requestCount",
// "note"}; when testRequest asked for no request, the verdict's object with "dryRun": true.
boost::json::value dry_run_json(const host::DryRun& run);
// Whether a request is shown (exit 0); otherwise the verdict decides the exit code.
bool dry_run_shows_request(const host::DryRun& run);

}  // namespace destkit::cli
