// definition/parse — a definition from a plugin's JSON, checked whole at load.
#pragma once

#include <destkit/host/definition.hpp>
#include "util/json_path.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace destkit::host {

// What was wrong with a definition: the JSON path of the problem (e.g.
// $.authentication.fields.apiKey.type) and what it was.
using DefinitionError = JsonPathError;

std::variant<Definition, DefinitionError> parse_definition(std::string_view json_text);

}  // namespace destkit::host
