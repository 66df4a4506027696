// output — how the CLI shows plugins, definitions and verdicts, as text or as JSON.
#pragma once

#include <destkit/host/host.hpp>

#include <boost/json/value.hpp>

#include <string>

namespace destkit::cli {

boost::json::value plugin_json(const host::Plugin& plugin);
boost::json::value definition_json(const host::Plugin& plugin);
boost::json::value verdict_json(const host::AuthVerdict& verdict);

std::string plugins_text(const host::Host& host);
std::string definition_text(const host::Plugin& plugin);
std::string verdict_text(const host::AuthVerdict& verdict);

}  // namespace destkit::cli
