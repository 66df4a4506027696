// plugin/verification — which plugin files the host agrees to run.
//
// Checked before any code of the file runs, on the bytes that are then loaded (the file is
// read once, and loaded from a sealed copy in memory: memory_library.hpp):
// - permissions, as ssh's StrictModes, on the path with every symbolic link resolved: the
//   file and every directory up to "/" belong to root or to the user running the host, and
//   others cannot write to them (file_permissions.hpp says which group and sticky-directory
//   cases are accepted);
// - optionally, a SHA-256 pin per file name in the host configuration;
// - optionally, an Ed25519 signature (FILE.sig, base64) by one of the trusted keys.
// When pins or signatures are in play, the plugin may have no RUNPATH/RPATH outside the
// system library directories and need no library missing from them (elf_dependencies.hpp):
// a signature covers the plugin's own bytes, not a library lying next to it.
#pragma once

#include <destkit/host/config.hpp>
#include <destkit/host/plugin.hpp>

#include "plugin/file_identity.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace destkit::host {

class DirectoryMemo;  // plugin/file_permissions.hpp

// What loading a library learned about its file besides the verdict, for the metadata cache.
struct LoadFacts {
  // When set, the file must still be this one (and have this SHA-256, when one is computed):
  // otherwise it is rejected before any of its code runs.
  std::optional<FileIdentity> expected_identity{};
  std::string expected_sha256{};
  // The memo of the pass over the search path this load is part of, if any.
  DirectoryMemo* directories = nullptr;
  // The file passed read_plugin_file's checks, so the verdict is the file's own (given the
  // same trust rules): the members below are set.
  bool read = false;
  FileIdentity identity{};  // of the file whose bytes were checked
  std::string sha256{};     // of those bytes (hex), when pins or signatures are in play
  // The signature file, when the verdict depended on it: its text, or nullopt when missing.
  bool signature_checked = false;
  std::optional<std::string> signature{};
  bool signature_unreadable = false;  // neither: a verdict that must not be kept
  // The rejection may not hold the next time, so it must not be kept either: no runner could be
  // started to run the entry point (the host lacked a descriptor, a process or memory, or its
  // runner program was missing), the entry point ran out of time (a busy machine can cause
  // that), or the system would not load the library (memory, descriptors, a library it needs).
  bool rejection_may_pass = false;
};

// Whether the trust rules call for a file's SHA-256 (pins or signatures are in play).
bool requires_verification(const PluginTrust& trust);
// The signature file of a plugin file.
std::filesystem::path signature_path_of(const std::filesystem::path& path);

// A plugin file that is read rather than loaded (a declarative destination), after the checks
// every plugin file passes before any of its bytes is used: a non-empty regular file, its
// permissions, and its SHA-256 pin and signature, checked on the bytes returned. Files larger
// than max_bytes are refused unread.
struct TrustedFile {
  std::string bytes{};
  std::string problem{};  // empty when the file may be used
};
TrustedFile read_trusted_file(const std::filesystem::path& path, const PluginTrust& trust, std::size_t max_bytes);

// The bytes of a library file that passed every check above, or why it is refused. Records in
// `facts` what the checks learned.
std::variant<std::string, Rejection> verified_bytes(const std::filesystem::path& path, const PluginTrust& trust,
                                                    LoadFacts& facts);

}  // namespace destkit::host
