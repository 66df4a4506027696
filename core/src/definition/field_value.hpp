// field_value — checks one value against one field: type, coercion, choices, format, bounds.
// Shared by settings validation and by the check of defaults and choices in definitions.
#pragma once

#include <destkit/host/definition.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace destkit::host {

struct CheckedValue {
  boost::json::value value;  // coerced: "8080" -> 8080 for a number field
  std::string problem;       // empty when the value is acceptable; never quotes a secret
  bool ok() const { return problem.empty(); }
};

CheckedValue check_field_value(const Field& field, const boost::json::value& input);

bool is_known_format(std::string_view format);

}  // namespace destkit::host
