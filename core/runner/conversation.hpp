// conversation — the runner's side of the channel to the host: the plugin's service calls
// go out as messages and wait for their reply, and hook calls the host sends meanwhile (a
// nested extendRequest while request_send runs) are run as they arrive.
#pragma once

#include <destkit/abi.h>
#include "isolation/wire.hpp"

#include <string>
#include <string_view>

namespace destkit::runner {

// The channel to the host: fd 3, set up by the host before the runner starts.
inline constexpr int kChannelFd = 3;

// The dk_host_api the plugin gets: every service is a message to the host.
const dk_host_api* proxy_host_api();

// The loaded plugin whose hooks the host's messages run.
void set_plugin(const dk_plugin& descriptor);

// For the services (proxy_api.cpp). Only the thread running the entry point or a hook may
// talk to the host; claim_talking_thread marks it.
void claim_talking_thread();
bool may_talk();
// Whether a hook runs: outside one (in the entry point) only log() has a use.
bool in_a_hook();
// Keeps text for the plugin until the outermost hook returns.
dk_str keep(std::string_view text);
// A message that needs no answer (log), and one that does (every other service).
void tell(const isolation::Message& message);
// A message that goes with the next one sent (a deferred option setter), or at once when those
// waiting pass 1 MiB. False when the runner had no memory to keep it.
bool tell_later(const isolation::Message& message);
// The options handles the innermost running hook may write: on_extend_request's output and
// what request_options_new handed out in that hook.
void made_options(dk_request_options* options);
bool may_write(dk_request_options* options);
// Counts, for the running hook's call, what the host will count of a request options service
// it is sent (abi/services.hpp keep_given); false when that passes the call's bound, so the
// setter asks the host instead of being answered DK_OK here. Every such service the runner
// forwards is counted, accepted or not, so the count is never below the host's.
bool host_keeps(std::size_t bytes);
// Whether `call`, the running hook's, holds the get_auth name `name_bit` (1 accessToken,
// 2 refreshToken, 4 clientId, 8 clientSecret): 1 or 0, or -1 when that is not known here.
int auth_held(dk_call* call, int name_bit);
// A request_send or set_tokens may have changed the tokens: ask the host again.
void tokens_may_change();
// A setting of the running hook's call, as get_setting hands it out; null when `call` is not
// that call or has no setting `name` (the host then answers, with its own last_error).
struct Setting {
  std::string name;
  int32_t kind = 0;
  std::string text;
};
const Setting* known_setting(dk_call* call, std::string_view name);
// The options handle the host made for the running hook's first request_options_new, once;
// null when `call` is not the running hook's call or it was taken.
dk_request_options* take_spare_options(dk_call* call);
isolation::Reader ask(const isolation::Message& message);
[[noreturn]] void host_is_gone();
// Notes which socket the channel is, before any plugin code runs (see host_is_gone).
void remember_channel();
// Writes out what the plugin left in the C library's and the C++ library's stream buffers, so
// that it reaches the host's pipes before the end of the hook or of the entry point does, and
// is logged with that call (a language runtime with buffers of its own flushes them itself).
void flush_plugin_output();

// Serves hook messages until the host closes the channel; then the runner ends.
[[noreturn]] void serve_hooks();

}  // namespace destkit::runner
