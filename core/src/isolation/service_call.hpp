// isolation/service_call — runs a runner's service message on the host's own dk_host_api, on
// the thread whose call is active, so that every check and rule of the in-process services
// applies unchanged to an isolated plugin.
#pragma once

#include "isolation/wire.hpp"

#include <destkit/abi.h>

#include <optional>

namespace destkit::host {

// The reply to send back, or nothing for a service that has none (log). WireError when the
// message is malformed.
std::optional<isolation::Message> serve_service(isolation::Reader& message);

// Runs a deferred service (an option setter; no reply goes back) and returns its status.
// WireError for any other service.
dk_status serve_deferred_service(isolation::Reader& message);

// The reply to a service the host does not run, shaped as the service's own reply: `status`
// and empty outputs.
isolation::Message refusal_reply(isolation::Reader& message, dk_status status);

}  // namespace destkit::host
