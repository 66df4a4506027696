#include "signing_commands.hpp"

#include "commands.hpp"
#include "host_setup.hpp"
#include "standard_output.hpp"

#include "plugin/signatures.hpp"
#include "util/printable.hpp"
#include "util/read_file.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace destkit::cli {
namespace {

// Plugins are shared libraries of a few MiB; signing or verifying reads one whole.
constexpr std::size_t kMaxPluginFileBytes = 1024 * 1024 * 1024;

// A plugin is a regular file: a device or a FIFO given as FILE is refused, not read.
host::FileText read_plugin(const std::string& path) {
  return host::read_file(path, {.max_bytes = kMaxPluginFileBytes, .regular_file_only = true});
}

host::FileText read_key(const std::string& path) { return host::read_file(path, {.max_bytes = host::kMaxSecretFileBytes}); }

// Writes `text` to a new file beside `path`, then renames it over `path`: a symbolic link
// planted at `path` is replaced, never followed, and no reader sees half a signature.
std::string write_replacing(const std::string& path, const std::string& text) {
  // Short and hidden, so that a FILE.sig that fits in a file name leaves room for it.
  std::filesystem::path target(path);
  std::string temporary = (target.parent_path() / ".destkit-sig-XXXXXX").string();
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) return fmt::format("cannot write {} ({})", path, std::strerror(errno));
  bool written = ::fchmod(fd, 0644) == 0;
  for (std::size_t done = 0; written && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  int error = written ? 0 : errno;
  if (::close(fd) != 0 && written) {
    written = false;
    error = errno;
  }
  if (written && ::rename(temporary.c_str(), path.c_str()) == 0) return {};
  if (written) error = errno;  // the rename failed
  ::unlink(temporary.c_str());
  return fmt::format("cannot write {} ({})", path, std::strerror(error));
}

}  // namespace

int sign_plugin(const Arguments& a) {
  if (a.positional.size() != 1 || a.key.empty()) return usage_error("sign needs a FILE and --key PRIVATE-KEY.pem", "sign");
  host::FileText data = read_plugin(a.positional[0]);
  host::FileText key = read_key(a.key);
  if (!data.ok()) return usage_error(data.error, "sign");
  if (!key.ok()) return usage_error(fmt::format("the key: {}", key.error), "sign");
  struct stat key_status {};
  if (::stat(a.key.c_str(), &key_status) == 0 && (key_status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    fmt::print(stderr,
               "destkit: warning: group or others can use the private key {} (mode {:04o}): whoever reads it can "
               "sign as you; make it readable by its owner only (chmod 600 {})\n",
               host::printable(a.key), key_status.st_mode & 07777, host::printable(a.key));
  }
  std::string signature;
  try {
    signature = host::sign_ed25519(data.text, key.text);
  } catch (const std::exception& e) {
    fmt::print(stderr, "destkit: cannot sign with {}: {}\n", host::printable(a.key), host::printable(e.what()));
    return kExitRejected;
  }
  std::string out = a.positional[0] + std::string(host::kSignatureSuffix);
  if (std::string problem = write_replacing(out, signature + "\n"); !problem.empty()) {
    fmt::print(stderr, "destkit: {}\n", host::printable(problem));
    return kExitFailure;
  }
  fmt::print(cli_output(), "Signed {}: {} (SHA-256 {})\n", host::printable(a.positional[0]), host::printable(out),
             host::sha256_hex(data.text));
  return kExitOk;
}

int verify_plugin(const Arguments& a) {
  if (a.positional.size() != 1) return usage_error("verify needs a FILE", "verify");
  std::vector<std::string> keys;
  for (const auto& path : a.public_keys) {
    host::FileText key = read_key(path);
    if (!key.ok() || !host::is_ed25519_public_key(key.text)) {
      return usage_error(fmt::format("{} is not a readable Ed25519 public key (PEM)", path), "verify");
    }
    keys.push_back(std::move(key.text));
  }
  if (keys.empty()) {
    auto config = load_config(a);
    if (!config) return kExitUsage;
    keys = config->plugins.trusted_keys;
  }
  if (keys.empty()) return usage_error("no key to verify with: give --public-key or plugins.trustedKeys", "verify");
  const std::string& file = a.positional[0];
  host::FileText data = read_plugin(file);
  if (!data.ok()) return usage_error(data.error, "verify");
  std::string signature_path = file + std::string(host::kSignatureSuffix);
  host::FileText signature = host::read_file(signature_path, {.max_bytes = host::kMaxSignatureFileBytes});
  if (signature.missing) {
    fmt::print(cli_output(), "{}: not signed ({} is missing)\n", host::printable(file),
               host::printable(signature_path));
    return kExitRejected;
  }
  if (!signature.ok()) return usage_error(signature.error, "verify");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (host::verify_ed25519(data.text, signature.text, keys[i])) {
      fmt::print(cli_output(), "{}: the signature is valid (trusted key {})\n", host::printable(file), i + 1);
      return kExitOk;
    }
  }
  fmt::print(cli_output(), "{}: the signature does not verify with any of the {} key(s)\n", host::printable(file),
             keys.size());
  return kExitRejected;
}

}  // namespace destkit::cli
