// util/json_input — parsing JSON that comes from outside the host.
//
// Definitions come from partner binaries and settings from users, so both are parsed with
// limits and stricter rules than Boost.JSON's defaults: duplicate keys are an error (instead of
// the last one silently winning), and the size and nesting are bounded.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace destkit::host {

struct JsonLimits {
  std::size_t max_bytes = 1 << 20;
  std::size_t max_depth = 64;
  // Whether an error quotes the key it stands at. Off for a user's settings, whose keys may be
  // a secret typed in the wrong place: the line and column say where.
  bool name_keys = true;
};

struct ParsedJson {
  boost::json::value value{};
  std::string error{};  // empty on success: "line 3, column 7: ..."
  bool ok() const { return error.empty(); }
};

// Whether `text` is such JSON, without building it: "" or the error. Costs a few bytes per
// key of the objects open at a time, not a document tree.
std::string check_json_input(std::string_view text, JsonLimits limits = {});

// The checked JSON as a value, or the error.
ParsedJson parse_json_input(std::string_view text, JsonLimits limits = {});

// What a value is, for messages: "a string", "an object", "null", ...
std::string_view json_kind(const boost::json::value& value);

}  // namespace destkit::host
