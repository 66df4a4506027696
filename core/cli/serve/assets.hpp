// assets — the tester page and its scripts and styles, embedded in the binary: what
// `destkit serve` answers at "/" and "/assets/NAME".
#pragma once

#include <span>
#include <string_view>

namespace destkit::cli::serve {

struct Asset {
  std::string_view path;          // "/" or "/assets/NAME"
  std::string_view content_type;  // e.g. "text/html; charset=utf-8"
  std::string_view bytes;
};

// Every embedded asset; the views stay valid for the life of the process.
std::span<const Asset> embedded_assets();

}  // namespace destkit::cli::serve
