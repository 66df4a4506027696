// libFuzzer target: a settings file validated against a definition with every field kind,
// every format and a pattern (the corpus holds values of 30 KB for each).
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
      "id": {"label": "ID", "type": "string", "format": "uuid"},
      "at": {"label": "At", "type": "string", "format": "date-time"},
      "day": {"label": "Day", "type": "string", "format": "date"},
      "ip": {"label": "IP", "type": "string", "format": "ipv4"},
      "account": {"label": "Account", "type": "password", "pattern": "[A-Z]{2}[0-9]{4,8}"},
      "codes": {"label": "Codes", "type": "string", "multiple": true, "pattern": "(a|aa)*b"}
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
