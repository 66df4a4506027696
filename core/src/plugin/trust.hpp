// plugin/trust — which plugin files the host agrees to run.
//
// Checked before any code of the file runs, on the bytes that are then loaded (the file is
// read once, and loaded from a sealed copy in memory: memory_library.hpp):
// - permissions, as ssh's StrictModes, on the path with every symbolic link resolved: the
//   file and every directory up to "/" belong to root or to the user running the host, and
//   others cannot write to them (plugin_file.hpp says which group and sticky-directory
//   cases are accepted);
// - optionally, a SHA-256 pin per file name in the host configuration;
// - optionally, an Ed25519 signature (FILE.sig, base64) by one of the trusted keys.
// When pins or signatures are in play, the plugin may have no RUNPATH/RPATH outside the
// system library directories and need no library missing from them (elf_dependencies.hpp):
// a signature covers the plugin's own bytes, not a library lying next to it.
#pragma once

#include <destkit/host/config.hpp>
#include "util/sha256.hpp"

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
