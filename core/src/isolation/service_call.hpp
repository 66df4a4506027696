// isolation/service_call — runs a runner's service message on the host's own dk_host_api, on
// the thread whose call is active, so that every check and rule of the in-process services
// applies unchanged to an isolated plugin.
#pragma once

#include "isolation/wire.hpp"

#include <optional>

namespace destkit::host {

// The reply to send back, or nothing for a service that has none (log). WireError when the
// message is malformed.
std::optional<isolation::Message> serve_service(isolation::Reader& message);

}  // namespace destkit::host
