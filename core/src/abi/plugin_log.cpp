#include "abi/plugin_log.hpp"

#include <fmt/format.h>

namespace destkit::host {

std::string bounded_log_line(std::string line) {
  if (line.size() <= kMaxPluginLogLineBytes) return line;
  std::size_t cut = line.size() - kMaxPluginLogLineBytes;
  line.resize(kMaxPluginLogLineBytes);
  line += fmt::format(" [{} more bytes not logged]", cut);
  return line;
}

std::string redacted_log_line(const Redactor& redactor, std::string_view line) {
  if (line.size() <= kMaxPluginLogLineBytes) return bounded_log_line(redactor.apply(line));
  return redactor.apply_to_start(line, kMaxPluginLogLineBytes) +
         fmt::format(" [{} more bytes not logged]", line.size() - kMaxPluginLogLineBytes);
}

}  // namespace destkit::host
