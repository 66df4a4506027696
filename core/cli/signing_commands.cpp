#include "signing_commands.hpp"

#include "commands.hpp"
#include "host_setup.hpp"
#include "standard_output.hpp"

#include "plugin/trust.hpp"

#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace destkit::cli {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int sign_plugin(const Arguments& a) {
  if (a.positional.size() != 1 || a.key.empty()) return usage_error("sign needs a FILE and --key PRIVATE-KEY.pem", "sign");
  auto data = read_file(a.positional[0]);
  auto key = read_file(a.key);
  if (!data) return usage_error(fmt::format("cannot read {}", a.positional[0]), "sign");
  if (!key) return usage_error(fmt::format("cannot read the key {}", a.key), "sign");
  std::string signature;
  try {
    signature = host::sign_ed25519(*data, *key);
  } catch (const std::exception& e) {
    fmt::print(stderr, "destkit: cannot sign with {}: {}\n", a.key, e.what());
    return kExitRejected;
  }
  std::string out = a.positional[0] + std::string(host::kSignatureSuffix);
  std::ofstream(out, std::ios::binary) << signature << "\n";
  fmt::print(cli_output(), "Signed {}: {} (SHA-256 {})\n", a.positional[0], out, host::sha256_hex(*data));
  return kExitOk;
}

int verify_plugin(const Arguments& a) {
  if (a.positional.size() != 1) return usage_error("verify needs a FILE", "verify");
  std::vector<std::string> keys;
  for (const auto& path : a.public_keys) {
    auto key = read_file(path);
    if (!key || !host::is_ed25519_public_key(*key)) {
      return usage_error(fmt::format("{} is not a readable Ed25519 public key (PEM)", path), "verify");
    }
    keys.push_back(*key);
  }
  if (keys.empty()) {
    auto config = load_config(a);
    if (!config) return kExitUsage;
    keys = config->plugins.trusted_keys;
  }
  if (keys.empty()) return usage_error("no key to verify with: give --public-key or plugins.trustedKeys", "verify");
  const std::string& file = a.positional[0];
  auto data = read_file(file);
  auto signature = read_file(file + std::string(host::kSignatureSuffix));
  if (!data) return usage_error(fmt::format("cannot read {}", file), "verify");
  if (!signature) {
    fmt::print(cli_output(), "{}: not signed ({}{} is missing)\n", file, file, host::kSignatureSuffix);
    return kExitRejected;
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (host::verify_ed25519(*data, *signature, keys[i])) {
      fmt::print(cli_output(), "{}: the signature is valid (trusted key {})\n", file, i + 1);
      return kExitOk;
    }
  }
  fmt::print(cli_output(), "{}: the signature does not verify with any of the {} key(s)\n", file, keys.size());
  return kExitRejected;
}

}  // namespace destkit::cli
