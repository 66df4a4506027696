// plugin/signatures — detached Ed25519 signatures of plugin files (FILE.sig, base64), made by
// `destkit sign` and checked against the configuration's trusted keys (plugin/verification.hpp).
#pragma once

#include <destkit/host/config.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

inline constexpr std::string_view kSignatureSuffix = ".sig";
inline constexpr std::size_t kMaxSignatureFileBytes = 4096;  // a signature is 88 bytes of base64

// A detached Ed25519 signature of `data`, base64; or throws std::runtime_error (bad key).
std::string sign_ed25519(std::string_view data, const std::string& private_key_pem);

bool is_ed25519_public_key(const std::string& pem);

// Whether `signature_base64` is `data` signed by the key `public_key_pem`.
bool verify_ed25519(std::string_view data, std::string_view signature_base64, const std::string& public_key_pem);

}  // namespace destkit::host
