#include "conversation.hpp"

#include "isolation/wire.hpp"

#include <algorithm>
#include <deque>
#include <thread>
#include <vector>
#include <unistd.h>

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
// Per running hook: its call, and which get_auth names that call holds, while that is known
// (until a request_send or set_tokens may have changed the tokens); -1 once unknown.
struct AuthKnown {
  dk_call* call;
  std::int64_t present;
};
std::vector<AuthKnown> auth_known;
isolation::Inbox inbox;
std::string outgoing;  // deferred services, then the message that goes with them

}  // namespace

// The host closed the channel or broke the protocol: nothing is left to do.
void host_is_gone() { ::_exit(0); }

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

void run_hook(Reader& message) {
  Hook hook{};
  dk_call* call = nullptr;
  dk_request_options* options = nullptr;
  std::int64_t auth = -1;
  try {
    hook = static_cast<Hook>(message.integer());
    call = reinterpret_cast<dk_call*>(static_cast<std::uintptr_t>(message.integer()));
    options = reinterpret_cast<dk_request_options*>(static_cast<std::uintptr_t>(message.integer()));
    auth = message.integer();
  } catch (const isolation::WireError&) {
    host_is_gone();
  }
  ++hook_depth;
  writable_options.emplace_back();
  auth_known.push_back({call, auth});
  if (hook == Hook::extend_request && options != nullptr) writable_options.back().push_back(options);
  dk_status status = DK_ERR_INVALID_ARGUMENT;
  if (hook == Hook::test_request && plugin.on_test_request != nullptr) status = plugin.on_test_request(call);
  if (hook == Hook::extend_request && plugin.on_extend_request != nullptr) status = plugin.on_extend_request(call, options);
  if (hook == Hook::refresh_access_token && plugin.on_refresh_access_token != nullptr) {
    status = plugin.on_refresh_access_token(call);
  }
  writable_options.pop_back();
  auth_known.pop_back();
  if (--hook_depth == 0) handed_out.clear();
  send(Message(Kind::hook_done).add(status));
}

Reader next_message() {
  try {
    return *isolation::receive(kChannelFd, inbox, std::nullopt);
  } catch (const isolation::WireError&) {
    host_is_gone();
  }
}

}  // namespace

void set_plugin(const dk_plugin& descriptor) { plugin = descriptor; }

// Used by the services (proxy_api.cpp): false on any thread but the one talking to the host.
bool may_talk() { return std::this_thread::get_id() == talking_thread; }

void claim_talking_thread() { talking_thread = std::this_thread::get_id(); }

dk_str keep(std::string_view text) {
  const std::string& kept = handed_out.emplace_back(text);
  return dk_str{kept.data(), kept.size()};
}

void tell(const Message& message) { send(message); }

void tell_later(const Message& message) {
  try {
    isolation::append_frame(outgoing, message);
  } catch (const isolation::WireError&) {
    host_is_gone();
  }
}

int auth_held(dk_call* call, int name_bit) {
  if (auth_known.empty() || auth_known.back().call != call || auth_known.back().present < 0) return -1;
  return (auth_known.back().present & name_bit) != 0 ? 1 : 0;
}

void tokens_may_change() {
  for (auto& known : auth_known) known.present = -1;
}

void made_options(dk_request_options* options) {
  if (!writable_options.empty()) writable_options.back().push_back(options);
}

bool may_write(dk_request_options* options) {
  if (writable_options.empty() || options == nullptr) return false;
  const auto& mine = writable_options.back();
  return std::find(mine.begin(), mine.end(), options) != mine.end();
}

Reader ask(const Message& message) {
  send(message);
  for (;;) {
    Reader answer = next_message();
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
    Reader message = next_message();
    try {
      if (message.kind() != Kind::hook) host_is_gone();
    } catch (const isolation::WireError&) {
      host_is_gone();
    }
    run_hook(message);
  }
}

}  // namespace destkit::runner
