// output — how the CLI shows plugins, definitions and verdicts, as text or as JSON.
//
// Names, versions, descriptions, paths, reasons and messages come from plugins, servers and
// files: every one goes through host::printable() on its way out, so none can move the
// cursor, forge a line or break the JSON. Settings keys and their problems are cut to
// host::kShownMessageBytes.
#pragma once

#include <destkit/host/host.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace destkit::cli {

boost::json::value plugin_json(const host::Plugin& plugin);
// plugin_json in a list of the host's plugins: with "quarantined", the reason, when it is.
boost::json::object listed_plugin_json(const host::Host& host, const host::Plugin& plugin);
boost::json::value definition_json(const host::Plugin& plugin);
boost::json::value verdict_json(const host::AuthVerdict& verdict);
// {"key": "message", ...}: each settings key with its problems, in one sentence or more.
boost::json::object problems_json(const std::vector<host::SettingsProblem>& problems);

// `value` with every string and key made printable: valid JSON whatever a plugin or server
// put into it.
boost::json::value printable_json(const boost::json::value& value);
// The same, in place: only strings and keys that change are rewritten.
void make_printable(boost::json::value& value);

std::string plugins_text(const host::Host& host);
std::string definition_text(const host::Plugin& plugin);
std::string verdict_text(const host::AuthVerdict& verdict);

// Prints `value` as one line of JSON, every string and key made printable first: the output
// is valid JSON whatever a plugin or server put into it.
void print_json(const boost::json::value& value);

// For --json: arms the host so that a plugin ending the process with exit() still leaves one
// JSON object on standard output, {"ok": false, "error": what it did}.
void print_json_if_plugin_code_exits();

}  // namespace destkit::cli
