// definition/parse — a definition from a plugin's JSON, checked whole at load.
#pragma once

#include <destkit/host/definition.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace destkit::host {

// What was wrong with a definition: the JSON path of the problem and what it was.
struct DefinitionError {
  std::string path{};  // e.g. $.authentication.fields.apiKey.type
  std::string message{};
  std::string to_string() const { return path + ": " + message; }
};

std::variant<Definition, DefinitionError> parse_definition(std::string_view json_text);

}  // namespace destkit::host
