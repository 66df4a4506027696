// field_value — checks one value against one field: type, coercion, choices, format, pattern,
// bounds.
// Shared by settings validation and by the check of defaults and choices in definitions.
#pragma once

#include <destkit/host/definition.hpp>

#include "definition/field_pattern.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace destkit::host {

struct CheckedValue {
  boost::json::value value;  // coerced: "8080" -> 8080 for a number field
  std::string problem;       // empty when the value is acceptable; never quotes a secret
  bool ok() const { return problem.empty(); }
};

CheckedValue check_field_value(const Field& field, const boost::json::value& input);

// The same with the field's pattern already compiled (nullptr when it has none), for callers
// that check many values of one field.
CheckedValue check_field_value(const Field& field, const boost::json::value& input, const FieldPattern* pattern);

// Whether values of the type are strings (which a format or a pattern can constrain).
bool is_string_type(FieldType type);

}  // namespace destkit::host
