// util/sha256 — SHA-256 (OpenSSL's), for plugin pins, signatures' inputs and PKCE.
#pragma once

#include <string>
#include <string_view>

namespace destkit::host {

// The 32-byte digest.
std::string sha256(std::string_view bytes);

// The digest as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace destkit::host
