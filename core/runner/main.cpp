// destkit-plugin-runner — runs one destination plugin outside the host.
//
// Why a process of its own: a plugin is a partner's code, and a crash, an exit(), an endless
// loop or unbounded allocation in it must not take the host (and every other destination and
// request) down with it. Why the host still does the HTTP: the runner's dk_host_api services
// are messages to the host (conversation.hpp), which runs its own services on its own dk_call,
// so merge rules, redirects, OAuth refresh, redaction and verdicts are the in-process code by
// construction; the runner needs no network at all (the sandbox refuses sockets), and secrets
// the host holds reach it only when a service of the current call hands them out.
//
// The host starts it with the channel on fd 3 and the plugin on fd 4: a sealed memfd holding
// exactly the bytes the host verified (permissions, pin, signature), so the runner never loads
// different bytes. Arguments: --address-space BYTES --open-files N. The environment is empty
// (but for sanitizer options in sanitizer builds). fd 0 is /dev/null; fds 1 and 2 are pipes the
// host reads into its log under the plugin's name.
#include "conversation.hpp"
#include "plugin/descriptor_text.hpp"
#include "sandbox.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <poll.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

namespace destkit::runner {
namespace {

using isolation::Kind;
using isolation::Message;

constexpr const char* kPluginPath = "/proc/self/fd/4";

// The runner ends when the host does, even while a plugin hook runs forever.
void end_with_the_host() {
  std::thread([] {
    pollfd p{kChannelFd, POLLRDHUP, 0};
    while (::poll(&p, 1, -1) < 0) {
    }
    host_is_gone();
  }).detach();
}

// A descriptor message that refuses the plugin, and whether the runner failed before any of
// the plugin's code ran (its sandbox): then the refusal says nothing about the plugin file.
Message refusal(const std::string& problem, bool before_plugin_code = false) {
  return Message(Kind::descriptor).add(problem).add(before_plugin_code ? 1 : 0);
}

// What the entry point returned, zero-filled past the plugin's struct, as the host's loader
// would copy it. Members are read in the order the host's checks read them, and the strings only
// when those checks pass, so a descriptor the host would refuse unread is refused unread here.
Message describe(const dk_plugin* raw) {
  Message m(Kind::descriptor);
  m.add(std::string_view()).add(raw != nullptr ? 1 : 0);
  if (raw == nullptr) return m;
  dk_plugin d{};
  bool has_header = raw->struct_size >= offsetof(dk_plugin, min_host_abi_minor);
  bool usable = has_header && raw->magic == DK_PLUGIN_MAGIC && raw->abi_major == DK_ABI_MAJOR &&
                raw->struct_size >= offsetof(dk_plugin, on_extend_request) + sizeof(raw->on_extend_request) &&
                raw->min_host_abi_minor <= DK_ABI_MINOR;
  if (usable) {
    std::memcpy(&d, raw, std::min<std::size_t>(raw->struct_size, sizeof d));
  } else if (has_header) {
    std::memcpy(&d, raw, offsetof(dk_plugin, min_host_abi_minor) + sizeof(d.min_host_abi_minor));
  }
  d.struct_size = raw->struct_size;
  if (!usable) d.slug = d.version = d.definition_json = nullptr;
  if (!usable) d.on_test_request = nullptr, d.on_extend_request = nullptr, d.on_refresh_access_token = nullptr;
  if (d.slug != nullptr && d.version != nullptr && d.definition_json != nullptr) {
    std::string problem = host::descriptor_text_problem(d.slug, d.version, d.definition_json);
    if (!problem.empty()) return refusal(problem);
  }
  auto text = [](const char* s) { return s != nullptr ? std::string_view(s) : std::string_view(); };
  std::int64_t nulls = (d.slug == nullptr ? 1 : 0) | (d.version == nullptr ? 2 : 0) | (d.definition_json == nullptr ? 4 : 0);
  std::int64_t hooks = (d.on_test_request != nullptr ? 1 : 0) | (d.on_extend_request != nullptr ? 2 : 0) |
                       (d.on_refresh_access_token != nullptr ? 4 : 0);
  m.add(d.struct_size).add(d.abi_major).add(d.abi_minor).add(d.magic).add(d.min_host_abi_minor);
  m.add(nulls).add(text(d.slug)).add(text(d.version)).add(text(d.definition_json)).add(hooks);
  set_plugin(d);
  return m;
}

int run(int argc, char** argv) {
  Limits limits;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--address-space") == 0) limits.address_space_bytes = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--open-files") == 0) limits.open_files = std::atoi(argv[i + 1]);
  }
  claim_talking_thread();
  remember_channel();
  if (std::string problem = enter_sandbox(limits); !problem.empty()) {
    tell(refusal("its runner could not start: " + problem, true));
    return 0;
  }
  end_with_the_host();
  void* library = ::dlopen(kPluginPath, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = ::dlerror();
    tell(refusal(std::string("could not be loaded (") + (why != nullptr ? why : "unknown reason") + ")"));
    return 0;
  }
  auto entry = reinterpret_cast<dk_plugin_entry_fn>(::dlsym(library, DK_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    tell(refusal(std::string("does not export ") + DK_PLUGIN_ENTRY_SYMBOL));
    return 0;
  }
  const dk_plugin* described = entry(proxy_host_api());
  flush_plugin_output();
  tell(describe(described));
  serve_hooks();
}

}  // namespace
}  // namespace destkit::runner

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);  // as destkit's main does: large blocks go back when freed
  destkit::runner::run(argc, argv);
  ::_exit(0);
}
