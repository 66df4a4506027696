// json_text — JSON text as the ABI promises it to plugins: numbers as the shortest decimal
// that reads back to the same value (8080, 0.5, 1e+21), integers exactly as they came.
// Boost.JSON's own serializer writes doubles as 8.08E3, which strtol reads as 8.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace destkit::host {

// Serializes `value`; a number that is not finite becomes null (JSON has no infinity).
std::string json_text(const boost::json::value& value);

}  // namespace destkit::host
