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

}  // namespace destkit::host
