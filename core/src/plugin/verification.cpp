#include "plugin/verification.hpp"

#include "plugin/elf_dependencies.hpp"
#include "plugin/plugin_file.hpp"
#include "plugin/signatures.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// The pin and signature checks on `bytes`, whose SHA-256 is `digest` (hex). Records in `facts`
// what the signature file held.
std::string trust_problem(const fs::path& path, const std::string& bytes, const std::string& digest,
                          const PluginTrust& trust, LoadFacts& facts) {
  std::string name = path.filename().string();
  auto pin = trust.sha256_pins.find(name);
  if (pin != trust.sha256_pins.end()) {
    if (digest != pin->second) return fmt::format("its SHA-256 is {}, not the pinned {}", digest, pin->second);
  } else if (trust.require_pins) {
    return fmt::format(
        "is not pinned: the configuration requires a SHA-256 pin for every plugin (plugins.sha256.\"{}\")", name);
  }
  if (!trust.require_signatures) return {};
  fs::path signature_path = signature_path_of(path);
  FileContents signature = read_regular_file(signature_path, kMaxSignatureFileBytes);
  facts.signature_checked = true;
  if (signature.error == ENOENT) {
    return fmt::format("has no signature ({} is missing) and signatures are required",
                       signature_path.filename().string());
  }
  if (!signature.bytes) {
    facts.signature_unreadable = true;
    return fmt::format("its signature {} {}", signature_path.filename().string(), signature.reason());
  }
  facts.signature = *signature.bytes;
  for (const auto& key : trust.trusted_keys) {
    if (verify_ed25519(bytes, *signature.bytes, key)) return {};
  }
  return "its signature does not verify with any trusted key";
}

// A verified plugin vouches for its own bytes only: the libraries it makes the loader open
// must come from the system library directories.
std::string dependencies_problem(const std::string& bytes) {
  auto dependencies = read_elf_dependencies(bytes);
  std::string problem = std::holds_alternative<std::string>(dependencies)
                            ? "its dependencies cannot be read: " + std::get<std::string>(dependencies)
                            : dependency_problem(std::get<ElfDependencies>(dependencies));
  return problem.empty() ? problem
                         : problem +
                               "; a plugin that must be signed or pinned may only need libraries from the "
                               "system library directories";
}

// Every check made before any code of the file runs, on the bytes that will be loaded.
std::string verification_problem(const fs::path& path, const std::string& bytes, const PluginTrust& trust,
                                 LoadFacts& facts) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(),
                                      "\x7f"
                                      "ELF",
                                      4) != 0) {
    return "is not a shared library (not an ELF file)";
  }
  if (!requires_verification(trust)) return {};
  facts.sha256 = sha256_hex(bytes);
  if (std::string problem = trust_problem(path, bytes, facts.sha256, trust, facts); !problem.empty()) return problem;
  return dependencies_problem(bytes);
}

}  // namespace

bool requires_verification(const PluginTrust& trust) {
  return !trust.sha256_pins.empty() || trust.require_pins || trust.require_signatures;
}

fs::path signature_path_of(const fs::path& path) { return path.string() + std::string(kSignatureSuffix); }

TrustedFile read_trusted_file(const fs::path& path, const PluginTrust& trust, std::size_t max_bytes) {
  auto file = read_plugin_file(path, trust.strict_permissions, max_bytes);
  if (auto* problem = std::get_if<std::string>(&file)) return {.problem = *problem};
  TrustedFile out{.bytes = std::move(std::get<PluginFile>(file).bytes)};
  LoadFacts unused;
  if (requires_verification(trust)) out.problem = trust_problem(path, out.bytes, sha256_hex(out.bytes), trust, unused);
  return out;
}

std::variant<std::string, Rejection> verified_bytes(const fs::path& path, const PluginTrust& trust, LoadFacts& facts) {
  auto file = read_plugin_file(path, trust.strict_permissions, kMaxPluginFileSize, facts.directories);
  if (auto* problem = std::get_if<std::string>(&file)) return Rejection{path, *problem};
  PluginFile& read = std::get<PluginFile>(file);
  facts.read = true;
  facts.identity = identity_of(read.st);
  const char* changed = "the file changed since the host listed it; restart the host to list it again";
  if (facts.expected_identity && facts.identity != *facts.expected_identity) return Rejection{path, changed};
  if (std::string problem = verification_problem(path, read.bytes, trust, facts); !problem.empty()) {
    return Rejection{path, problem};
  }
  if (facts.expected_identity && facts.sha256 != facts.expected_sha256) return Rejection{path, changed};
  return std::move(read.bytes);
}

}  // namespace destkit::host
