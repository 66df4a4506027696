// libFuzzer target: a settings file validated against a definition with every field kind.
#include "definition/parse.hpp"
#include "util/json_input.hpp"
#include "definition/settings.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

const destkit::host::Definition& definition() {
  static const auto d = std::get<destkit::host::Definition>(destkit::host::parse_definition(R"({
    "name": "Fuzz", "slug": "fuzz", "authentication": {"scheme": "basic", "fields": {
      "url": {"label": "URL", "type": "string", "format": "uri", "required": true},
      "email": {"label": "Email", "type": "string", "format": "email"},
      "host": {"label": "Host", "type": "string", "format": "hostname", "minimum": 3, "maximum": 30},
      "when": {"label": "When", "type": "datetime"},
      "port": {"label": "Port", "type": "integer", "minimum": 1, "maximum": 65535, "default": 443},
      "ratio": {"label": "Ratio", "type": "number"},
      "on": {"label": "On", "type": "boolean"},
      "region": {"label": "Region", "type": "string", "choices": ["us", {"value": "eu", "label": "Europe"}]},
      "tags": {"label": "Tags", "type": "text", "multiple": true},
      "extra": {"label": "Extra", "type": "object"},
      "id": {"label": "ID", "type": "string", "format": "uuid"}
    }}})"));
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = destkit::host::parse_json_input(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.ok()) {
    auto validated = destkit::host::validate_settings(definition(), parsed.value);
    validated.secrets(definition());
  }
  return 0;
}
