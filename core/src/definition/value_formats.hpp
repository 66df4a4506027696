// value_formats — the `format` a string field may declare (uri, email, hostname, date-time,
// date, uuid, ipv4), each checked by a hand-written loop: length bound first, then one pass
// with no recursion, so a value of any size costs bounded time and stack.
#pragma once

#include <string>
#include <string_view>

namespace destkit::host {

bool is_known_format(std::string_view format);

// "uri, email, hostname, ...": for messages that list what a definition may use.
std::string known_formats_text();

// What the value should have looked like ("an email address"), or empty when it has the
// format. An unknown format accepts every value (definitions are checked at load).
std::string format_problem(std::string_view format, std::string_view value);

}  // namespace destkit::host
