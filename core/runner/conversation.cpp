#include "conversation.hpp"

#include "http/option_rules.hpp"
#include "isolation/wire.hpp"
#include "util/spin_wait.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <deque>
#include <iostream>
#include <new>
#include <thread>
#include <utility>
#include <vector>

namespace destkit::runner {
namespace {

using isolation::Hook;
using isolation::Kind;
using isolation::Message;
using isolation::Reader;

dk_plugin plugin{};
// The thread that may talk to the host: the one running the entry point or a hook. A plugin's
// own threads get DK_ERR_INVALID_ARGUMENT, as a foreign handle does in the host.
std::thread::id talking_thread;
int hook_depth = 0;
// Text handed to the plugin, valid until the outermost hook returns (abi.h's OUT rule).
std::deque<std::string> handed_out;
// The options handles the innermost running hook may write, as the host decides in
// abi/services.cpp: on_extend_request's output, and those request_options_new made in it.
std::vector<std::vector<dk_request_options*>> writable_options;
// What the host sent with each running hook (wire.hpp, Kind::hook): its call; which get_auth
// names that call holds, while that is known (until a request_send or set_tokens may have
// changed the tokens), -1 once unknown; the options handle made for its first
// request_options_new, until that is called; and the call's settings.
struct HookFrame {
  dk_call* call = nullptr;
  std::int64_t auth_present = -1;
  dk_request_options* spare_options = nullptr;
  std::vector<Setting> settings;
};
// The hook the host asked to run next on the same call, without a message of its own.
struct NextHook {
  std::int64_t hook = 0;  // 0 for none
  dk_request_options* spare_options = nullptr;
};
std::vector<HookFrame> frames;
isolation::Inbox inbox;
// The host's replies come within a request's time; its next hook may come at once or much later.
// Two windows, so that each adapts to its own (util/spin_wait.hpp).
util::SpinWait reply_wait, hook_wait;
bool look_before_sleeping = false;  // as the last hook message said
std::string outgoing;  // deferred services, then the message that goes with them
// The channel as the runner found it, to tell a host that went away from a plugin that closed
// or replaced the channel's descriptor.
struct stat channel_at_start {};

}  // namespace

void remember_channel() { ::fstat(kChannelFd, &channel_at_start); }

// The host closed the channel or broke the protocol: nothing is left to do. When the plugin
// broke it, the runner ends as the host ends a runner that broke its channel (SIGKILL), so
// that the verdict says what happened rather than "exit status 0".
void host_is_gone() {
  struct stat now {};
  bool intact = ::fstat(kChannelFd, &now) == 0 && now.st_dev == channel_at_start.st_dev &&
                now.st_ino == channel_at_start.st_ino;
  if (!intact) ::kill(::getpid(), SIGKILL);
  ::_exit(0);
}

namespace {

// Sends the deferred services and `message` in one write.
void send(const Message& message) {
  try {
    isolation::append_frame(outgoing, message);
    isolation::send_frames(kChannelFd, outgoing);
  } catch (const isolation::WireError&) {
    host_is_gone();
  }
  outgoing.clear();
  if (outgoing.capacity() > (1u << 20)) std::string().swap(outgoing);  // a large body is not kept
}

template <class T>
T* pointer(std::int64_t value) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(value));
}

HookFrame read_frame(Reader& message, Hook& hook, dk_request_options*& options, NextHook& next) {
  HookFrame frame;
  hook = static_cast<Hook>(message.integer());
  frame.call = pointer<dk_call>(message.integer());
  options = pointer<dk_request_options>(message.integer());
  frame.auth_present = message.integer();
  frame.spare_options = pointer<dk_request_options>(message.integer());
  next.hook = message.integer();
  next.spare_options = pointer<dk_request_options>(message.integer());
  look_before_sleeping = message.integer() != 0;
  std::int64_t count = message.integer();
  if (count < 0) throw isolation::WireError("a negative number of settings");
  for (std::int64_t i = 0; i < count; ++i) {
    Setting setting;
    setting.name = message.text();
    setting.kind = static_cast<int32_t>(message.integer());
    setting.text = message.text();
    frame.settings.push_back(std::move(setting));
  }
  return frame;
}

}  // namespace

// Not checked by UndefinedBehaviorSanitizer's vptr check in sanitizer builds: that check needs
// a free descriptor, and a plugin may have used them all.
__attribute__((no_sanitize("vptr"))) void flush_plugin_output() {
  std::cout.flush();
  std::cerr.flush();
  std::clog.flush();
  std::fflush(nullptr);
}

namespace {

// Runs `hook` on the call of frames.back(), which the caller pushed and pops.
dk_status run_frame(Hook hook, dk_request_options* options) {
  dk_call* call = frames.back().call;
  ++hook_depth;
  writable_options.emplace_back();
  if (hook == Hook::extend_request && options != nullptr) writable_options.back().push_back(options);
  dk_status status = DK_ERR_INVALID_ARGUMENT;
  if (hook == Hook::test_request && plugin.on_test_request != nullptr) status = plugin.on_test_request(call);
  if (hook == Hook::extend_request && plugin.on_extend_request != nullptr) status = plugin.on_extend_request(call, options);
  if (hook == Hook::refresh_access_token && plugin.on_refresh_access_token != nullptr) {
    status = plugin.on_refresh_access_token(call);
  }
  writable_options.pop_back();
  if (--hook_depth == 0) handed_out.clear();
  flush_plugin_output();
  return status;
}

void run_hook(Reader& message) {
  Hook hook{};
  dk_request_options* options = nullptr;
  NextHook next;
  try {
    frames.push_back(read_frame(message, hook, options, next));
  } catch (const isolation::WireError&) {
    host_is_gone();
  }
  // The host made the spare options handle with request_options_new, and counted it.
  if (frames.back().spare_options != nullptr) host_keeps(host::kOptionsEntryBytes);
  dk_status status = run_frame(hook, options);
  HookFrame frame = std::move(frames.back());
  frames.pop_back();
  // testRequest right after an outermost extendRequest that succeeded, as the host asked
  // (docs/isolation.md). extendRequest's end is sent first, so that a crash in testRequest is
  // told apart from one in extendRequest.
  if (status == DK_OK && hook == Hook::extend_request && hook_depth == 0 &&
      next.hook == static_cast<std::int64_t>(Hook::test_request)) {
    send(Message(Kind::hook_done).add(status));
    frame.spare_options = next.spare_options;
    frames.push_back(std::move(frame));
    if (next.spare_options != nullptr) host_keeps(host::kOptionsEntryBytes);
    status = run_frame(Hook::test_request, nullptr);
    frames.pop_back();
  }
  send(Message(Kind::hook_done).add(status));
}

Reader next_message(util::SpinWait& wait) {
  try {
    if (auto frame = inbox.take()) return std::move(*frame);
    bool arrived = wait.look([] { return inbox.fill(kChannelFd); }, look_before_sleeping);
    Reader frame = *isolation::receive(kChannelFd, inbox, std::nullopt);
    if (!arrived) wait.slept();
    return frame;
  } catch (const isolation::WireError&) {
    host_is_gone();
  }
}

}  // namespace

void set_plugin(const dk_plugin& descriptor) { plugin = descriptor; }

// Used by the services (proxy_api.cpp): false on any thread but the one talking to the host.
bool may_talk() { return std::this_thread::get_id() == talking_thread; }

bool in_a_hook() { return !frames.empty(); }

void claim_talking_thread() { talking_thread = std::this_thread::get_id(); }

dk_str keep(std::string_view text) {
  const std::string& kept = handed_out.emplace_back(text);
  return dk_str{kept.data(), kept.size()};
}

void tell(const Message& message) { send(message); }

bool tell_later(const Message& message) {
  // Setters waiting for the next message are sent on their own past 1 MiB: a hook that sets a
  // large body again and again keeps one of them, as in process, not all.
  constexpr std::size_t kMostWaiting = std::size_t{1} << 20;
  try {
    isolation::append_frame(outgoing, message);
    if (outgoing.size() > kMostWaiting) {
      isolation::send_frames(kChannelFd, outgoing);
      outgoing.clear();
    }
  } catch (const isolation::WireError&) {
    host_is_gone();
  } catch (const std::bad_alloc&) {
    return false;  // the runner is out of memory: the setter says so, the plugin goes on
  }
  return true;
}

int auth_held(dk_call* call, int name_bit) {
  if (frames.empty() || frames.back().call != call || frames.back().auth_present < 0) return -1;
  return (frames.back().auth_present & name_bit) != 0 ? 1 : 0;
}

void tokens_may_change() {
  for (auto& frame : frames) frame.auth_present = -1;
}

const Setting* known_setting(dk_call* call, std::string_view name) {
  if (frames.empty() || frames.back().call != call) return nullptr;
  for (const auto& setting : frames.back().settings) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

dk_request_options* take_spare_options(dk_call* call) {
  if (frames.empty() || frames.back().call != call) return nullptr;
  return std::exchange(frames.back().spare_options, nullptr);
}

void made_options(dk_request_options* options) {
  if (!writable_options.empty()) writable_options.back().push_back(options);
}

bool host_keeps(std::size_t bytes) {
  // Per call, as the host counts; the few most recent calls (a refresh nests one) are enough.
  static std::vector<std::pair<dk_call*, std::size_t>> given;
  if (frames.empty()) return false;
  dk_call* call = frames.back().call;
  auto it = std::find_if(given.begin(), given.end(), [&](const auto& entry) { return entry.first == call; });
  if (it == given.end()) {
    if (given.size() >= 8) given.erase(given.begin());
    it = given.insert(given.end(), {call, 0});
  }
  // Counted whether or not it fits: the host may accept what this count, above its own, would not.
  bool fits = it->second + bytes <= host::kMaxKeptBytesPerCall;
  it->second = std::min(it->second + bytes, 2 * host::kMaxKeptBytesPerCall);
  return fits;
}

bool may_write(dk_request_options* options) {
  if (writable_options.empty() || options == nullptr) return false;
  const auto& mine = writable_options.back();
  return std::find(mine.begin(), mine.end(), options) != mine.end();
}

Reader ask(const Message& message) {
  send(message);
  for (;;) {
    Reader answer = next_message(reply_wait);
    Kind kind{};
    try {
      kind = answer.kind();
    } catch (const isolation::WireError&) {
      host_is_gone();
    }
    if (kind == Kind::reply) return answer;
    if (kind != Kind::hook) host_is_gone();  // the host never sends anything else
    run_hook(answer);
  }
}

void serve_hooks() {
  for (;;) {
    Reader message = next_message(hook_wait);
    try {
      if (message.kind() != Kind::hook) host_is_gone();
    } catch (const isolation::WireError&) {
      host_is_gone();
    }
    run_hook(message);
  }
}

}  // namespace destkit::runner
