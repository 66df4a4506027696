#include "plugin/loader.hpp"

#include "abi/call.hpp"
#include "declarative/load.hpp"
#include "definition/parse.hpp"
#include "plugin/discovery.hpp"

#include "plugin/trust.hpp"

#define BOOST_DLL_USE_STD_FS 1
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <mutex>
#include <vector>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// Libraries are never unloaded while the process runs: code, strings and the descriptor of a
// plugin may be referenced anywhere. The registry is deliberately leaked so that no library
// is closed during static destruction either.
void keep_loaded(const boost::dll::shared_library& library) {
  static std::mutex mutex;
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  std::lock_guard lock(mutex);
  libraries->push_back(library);
}

// The size of a v1.0 descriptor: everything up to and including on_extend_request.
constexpr std::size_t kMinimumDescriptorSize =
    offsetof(dk_plugin, on_extend_request) + sizeof(dk_plugin::on_extend_request);

Rejection reject(const fs::path& path, std::string reason) { return Rejection{path, std::move(reason)}; }

// The file, opened once: every check reads this descriptor, and after loading the host makes
// sure the path still names the same file, so what was checked is what runs. (Loading from
// /proc/self/fd would be neater, but the dynamic loader takes a reused name for a library it
// already has.)
struct OpenedFile {
  int fd = -1;
  struct stat st {};
  ~OpenedFile() {
    if (fd >= 0) ::close(fd);
  }
  std::string proc_path() const { return "/proc/self/fd/" + std::to_string(fd); }
};

// ssh's StrictModes for one file or directory: root's or the user's, writable by nobody else.
std::string permission_problem(const struct stat& st, const std::string& what) {
  std::string problem;
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    problem = fmt::format("{} belongs to user {}, neither root nor the user running destkit", what, st.st_uid);
  } else if ((st.st_mode & S_IWOTH) && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX))) {
    problem = fmt::format("{} can be written by any user (mode {:04o})", what, st.st_mode & 07777);
  } else if ((st.st_mode & S_IWGRP) && st.st_gid != ::getegid() && st.st_gid != 0) {
    problem = fmt::format("{} can be written by group {} (mode {:04o})", what, st.st_gid, st.st_mode & 07777);
  }
  return problem.empty() ? problem : problem + "; refused (--insecure-plugin-permissions loads it anyway)";
}

std::string read_all(int fd, std::size_t size) {
  std::string bytes(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, bytes.data() + done, size - done, static_cast<off_t>(done));
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

std::string trust_problem(const fs::path& path, const std::string& bytes, const PluginTrust& trust) {
  std::string name = path.filename().string();
  auto pin = trust.sha256_pins.find(name);
  if (pin != trust.sha256_pins.end()) {
    std::string digest = sha256_hex(bytes);
    if (digest != pin->second) return fmt::format("its SHA-256 is {}, not the pinned {}", digest, pin->second);
  } else if (trust.require_pins) {
    return fmt::format("is not pinned: the configuration requires a SHA-256 pin for every plugin (plugins.sha256.\"{}\")", name);
  }
  if (!trust.require_signatures) return {};
  fs::path signature_path = path.string() + std::string(kSignatureSuffix);
  std::ifstream in(signature_path, std::ios::binary);
  if (!in) return fmt::format("has no signature ({} is missing) and signatures are required", signature_path.filename().string());
  std::string signature((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& key : trust.trusted_keys) {
    if (verify_ed25519(bytes, signature, key)) return {};
  }
  return "its signature does not verify with any trusted key";
}

// The checks every plugin file passes before any of its bytes is used. Leaves it open in `file`.
std::string open_checked(const fs::path& path, const PluginTrust& trust, OpenedFile& file) {
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) return fmt::format("cannot be read ({})", std::strerror(errno));
  struct stat& st = file.st;
  if (::fstat(file.fd, &st) != 0) return fmt::format("cannot be read ({})", std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return "is a directory, not a plugin file";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (st.st_size == 0) return "is empty";
  if (trust.strict_permissions) {
    if (std::string problem = permission_problem(st, "the file"); !problem.empty()) return problem;
    struct stat dir {};
    fs::path directory = fs::absolute(path).parent_path();
    if (::stat(directory.c_str(), &dir) == 0) {
      if (std::string problem = permission_problem(dir, "its directory " + directory.string()); !problem.empty()) {
        return problem;
      }
    }
  }
  return {};
}

// Checks before any code of the file runs. Leaves the file open in `file`.
std::string precheck(const fs::path& path, const PluginTrust& trust, OpenedFile& file) {
  if (std::string problem = open_checked(path, trust, file); !problem.empty()) return problem;
  char magic[4] = {};
  if (::pread(file.fd, magic, sizeof magic, 0) != 4 || std::memcmp(magic, "\x7f" "ELF", 4) != 0) {
    return "is not a shared library (not an ELF file)";
  }
  if (!trust.sha256_pins.empty() || trust.require_pins || trust.require_signatures) {
    std::string bytes = read_all(file.fd, static_cast<std::size_t>(file.st.st_size));
    if (std::string problem = trust_problem(path, bytes, trust); !problem.empty()) return problem;
  }
  // Boost.DLL 1.81's ELF reader is not hardened against corrupt files: treat it as parsing
  // untrusted input and turn any failure into a rejection.
  try {
    boost::dll::library_info info(file.proc_path(), false);
    std::vector<std::string> symbols = info.symbols();
    if (std::find(symbols.begin(), symbols.end(), DK_PLUGIN_ENTRY_SYMBOL) == symbols.end()) {
      return fmt::format("does not export {}: not a destkit plugin", DK_PLUGIN_ENTRY_SYMBOL);
    }
  } catch (const std::exception& e) {
    return fmt::format("is not a valid ELF shared library ({})", e.what());
  }
  return {};
}

std::string check_descriptor(const dk_plugin* d) {
  if (d == nullptr) return "its entry point returned NULL: the plugin refused to load";
  if (d->struct_size < offsetof(dk_plugin, min_host_abi_minor)) {
    return fmt::format("its descriptor is {} bytes, too small to be a destkit plugin", d->struct_size);
  }
  if (d->magic != DK_PLUGIN_MAGIC) return "its descriptor does not start with the destkit magic number";
  if (d->abi_major != DK_ABI_MAJOR) {
    return fmt::format("it was built for destkit ABI {}.x; this host speaks {}.{}", d->abi_major,
                       DK_ABI_MAJOR, DK_ABI_MINOR);
  }
  if (d->struct_size < kMinimumDescriptorSize) {
    return fmt::format("its descriptor is {} bytes, smaller than the {} bytes of ABI 1.0",
                       d->struct_size, kMinimumDescriptorSize);
  }
  if (d->min_host_abi_minor > DK_ABI_MINOR) {
    return fmt::format("it needs a newer host: ABI {}.{} or later (this host speaks {}.{})",
                       DK_ABI_MAJOR, d->min_host_abi_minor, DK_ABI_MAJOR, DK_ABI_MINOR);
  }
  if (d->slug == nullptr || d->version == nullptr || d->definition_json == nullptr) {
    return "its descriptor lacks a slug, a version or a definition";
  }
  return {};
}

}  // namespace

Plugin::Plugin(fs::path path, Definition definition, std::string abi_version, bool has_test_request,
               bool has_extend_request)
    : path_(std::move(path)),
      definition_(std::move(definition)),
      abi_version_(std::move(abi_version)),
      has_test_request_(has_test_request),
      has_extend_request_(has_extend_request) {}

Plugin::~Plugin() = default;

LoadedPlugin::LoadedPlugin(fs::path path, const dk_plugin& descriptor, Definition definition)
    : LoadedPlugin(std::move(path), &descriptor, std::move(definition)) {
  copy_ = descriptor;
  descriptor_ = &copy_;
}

LoadedPlugin::LoadedPlugin(fs::path path, const dk_plugin* host_descriptor, Definition definition)
    : Plugin(std::move(path), std::move(definition),
             fmt::format("{}.{}", host_descriptor->abi_major, host_descriptor->abi_minor),
             host_descriptor->on_test_request != nullptr, host_descriptor->on_extend_request != nullptr),
      descriptor_(host_descriptor) {}

TrustedFile read_trusted_file(const fs::path& path, const PluginTrust& trust, std::size_t max_bytes) {
  OpenedFile file;
  TrustedFile out;
  out.problem = open_checked(path, trust, file);
  if (!out.problem.empty()) return out;
  auto size = static_cast<std::size_t>(file.st.st_size);
  if (size > max_bytes) {
    out.problem = fmt::format("is {} bytes, more than the {} bytes a plugin file of this kind may have", size, max_bytes);
    return out;
  }
  out.bytes = read_all(file.fd, size);
  if (out.bytes.size() != size) out.problem = "could not be read completely";
  if (out.problem.empty()) out.problem = trust_problem(path, out.bytes, trust);
  return out;
}

LoadResult load_plugin(const fs::path& path, const LogSink& log, const PluginTrust& trust) {
  if (is_declarative_file_name(path.filename().string())) return declarative::load_declarative(path, trust);
  OpenedFile file;
  if (std::string problem = precheck(path, trust, file); !problem.empty()) return reject(path, problem);

  boost::dll::shared_library library;
  try {
    namespace mode = boost::dll::load_mode;
    library.load(path, mode::rtld_now | mode::rtld_local);
  } catch (const std::exception& e) {
    return reject(path, fmt::format("could not be loaded ({})", e.what()));
  }
  struct stat loaded {};
  if (::stat(path.c_str(), &loaded) != 0 || loaded.st_dev != file.st.st_dev || loaded.st_ino != file.st.st_ino) {
    keep_loaded(library);  // its constructors ran; unloading it now would be no safer
    return reject(path, "was replaced while it was being loaded");
  }
  dk_plugin_entry_fn entry = nullptr;
  try {
    entry = &library.get<const dk_plugin*(const dk_host_api*)>(DK_PLUGIN_ENTRY_SYMBOL);
  } catch (const std::exception& e) {
    return reject(path, fmt::format("does not export {} ({})", DK_PLUGIN_ENTRY_SYMBOL, e.what()));
  }
  keep_loaded(library);

  const dk_plugin* raw = nullptr;
  {
    LoadingLog loading(&log, path.filename().string());
    raw = entry(host_api());
  }
  if (std::string problem = check_descriptor(raw); !problem.empty()) return reject(path, problem);

  // Members a plugin built against an older header does not have read as zero.
  dk_plugin descriptor{};
  std::memcpy(&descriptor, raw, std::min<std::size_t>(raw->struct_size, sizeof descriptor));

  auto parsed = parse_definition(descriptor.definition_json);
  if (auto* error = std::get_if<DefinitionError>(&parsed)) {
    return reject(path, "its definition is invalid: " + error->to_string());
  }
  Definition& definition = std::get<Definition>(parsed);
  if (definition.slug != descriptor.slug) {
    return reject(path, fmt::format("its descriptor says slug \"{}\" but its definition says \"{}\"",
                                    descriptor.slug, definition.slug));
  }
  definition.version = descriptor.version;
  return std::make_unique<LoadedPlugin>(path, descriptor, std::move(definition));
}

}  // namespace destkit::host
