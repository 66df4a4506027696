// call — what the host keeps for one hook call: its inputs, its handles, its error; which call
// runs on this thread; extendRequest run into the call. call.cpp holds the code.
//
// The C ABI names these structs (dk_call, dk_request_options, dk_response); they are defined
// here, at global scope, and never leave the host.
#pragma once

#include <destkit/abi.h>
#include <destkit/host/log.hpp>
#include "abi/plugin_code.hpp"
#include "abi/plugin_log.hpp"
#include "definition/settings.hpp"
#include "http/client.hpp"
#include "http/option_rules.hpp"
#include "http/request_options.hpp"
#include "oauth/tokens.hpp"

#include "http/redactor.hpp"
#include "util/printable.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// Plugins never see the addresses of these structs: they get handle values that are unique
// for the life of the process (handle_of), so a handle kept past its call can never match a
// newer call that happens to live at the same address.
struct dk_request_options {
  std::uintptr_t id = 0;
  destkit::host::RequestOptions options;
};

struct dk_response {
  std::uintptr_t id = 0;
  destkit::host::HttpResponse response;
  std::optional<boost::json::value> body_json{};  // parsed when first asked for
};

namespace destkit::host {

// What request_send answers in a dry run, for every request.
inline constexpr std::string_view kNotSentInDryRun = "not sent: this is a dry run";

// A value never handed out before in this process.
std::uintptr_t next_handle_id();

template <class T>
T* handle_of(const T& object) {
  return reinterpret_cast<T*>(object.id);
}

// Why the last request of a call failed, as the host saw it (not as the plugin reports it).
struct RequestFailure {
  // refresh: a 401 whose token refresh failed; `oauth_unavailable` tells why.
  enum class Kind { http, network, bad_response, refresh } kind;
  int status = 0;
  std::string reason;
  std::string host;
  std::string message;  // redacted
  bool oauth_unavailable = false;
  // http: the origin a redirect took the request to, without its credentials, that answered
  // (HttpResponse::left_for); empty when the request's own origin answered.
  std::string answered_from{};
};

// What request_send does after a 401, as the call's authentication flow decides
// (auth/call_session): answer the 401 as it is, send the request again with renewed
// credentials, or fail because renewing them failed.
struct AfterUnauthorized {
  enum class Action { answer, send_again, fail } action = Action::answer;
  std::string why{};               // fail: why the credentials could not be renewed
  // fail: the refresh could not be made (the authorization server unreachable or failing, the
  // token store unusable), so the 401 verifies nothing; false when the grant was refused
  bool oauth_unavailable = false;
};

// The authentication flow a call runs under. request_send only sends; what a 401 leads to is
// this flow's decision.
class CallAuthentication {
 public:
  // Called with the call active, after a request of the call was answered 401.
  virtual AfterUnauthorized after_unauthorized(dk_call& call) = 0;

 protected:
  ~CallAuthentication() = default;
};

// What a call needs from the host that runs it.
struct CallEnvironment {
  const HttpClientConfig* http;
  const LogSink* log;
  std::string plugin_slug;
  bool verbose = false;  // trace each exchange to the log
  // Whether credentials this call sends are remembered for the destination's later calls
  // (remember_secret): for partner code, which may keep a value from one call into the next; a
  // declarative destination's hooks are the host's and keep nothing, so its calls redact their
  // own secrets only, and one caller cannot probe which values another sent.
  bool remembers_sent_secrets = true;
};

}  // namespace destkit::host

struct dk_call {
  dk_call() = default;
  ~dk_call();  // gives memory back after a call that kept much (kReturnMemoryAfterBytes)
  dk_call(const dk_call&) = delete;
  dk_call& operator=(const dk_call&) = delete;

  std::uintptr_t id = destkit::host::next_handle_id();
  destkit::host::CallEnvironment env;
  const dk_plugin* hooks = nullptr;  // to run extendRequest again after a token refresh
  const boost::json::object* settings = nullptr;
  const destkit::host::Definition* definition = nullptr;  // for the labels of set_invalid_setting
  destkit::host::AuthTokens auth;  // what get_auth hands out; the authentication flow sets it
  destkit::host::CallAuthentication* authentication = nullptr;  // none: a 401 is answered as it is
  // Inside on_refresh_access_token only: the OAuth client, and the tokens set_tokens received.
  const destkit::host::OAuthClientConfig* client = nullptr;
  std::optional<destkit::host::TokenRecord> new_tokens;
  destkit::host::RequestOptions defaults;  // host defaults for this destination
  destkit::host::Redactor redactor;

  std::string error;       // set_error: why the hook failed
  std::string fault;       // an isolated plugin's runner died or overran its deadline: the verdict
  std::vector<destkit::host::SettingsProblem> invalid_settings;  // set_invalid_setting
  // Settings whose values the host refused to put on the wire (services::blame_settings_in).
  std::vector<destkit::host::SettingsProblem> unusable_settings;
  std::string last_error;  // why the last service failed
  std::optional<destkit::host::RequestFailure> last_request_failure;
  // The origin a redirect took one of the call's requests to, without its credentials, before
  // it was answered with success (HttpResponse::left_for); empty when none was.
  std::string answered_from_other_origin;

  dk_request_options extension{destkit::host::next_handle_id(), {}};  // written by on_extend_request
  bool extension_writable = false;
  // Log lines of extendRequest, shown once it returns: only then does the host know which
  // settings it sends as credentials, and so which to redact.
  std::vector<std::pair<destkit::host::LogLevel, std::string>> held_log;
  std::size_t held_bytes = 0;                 // of held_log, `error` and `invalid_settings`, bounded by kMaxHeldBytes
  destkit::host::PluginLogBudget log_budget;  // log lines of this call (abi/plugin_log.hpp)
  std::deque<dk_request_options> options;  // request_options_new
  std::deque<dk_response> responses;       // request_send
  int requests_sent = 0;                    // by request_send, bounded by kMaxRequestsPerCall
  std::size_t kept_body_bytes = 0;          // of `responses`, bounded by kMaxKeptBytesPerCall
  std::size_t handed_out_bytes = 0;         // of `strings`, bounded by kMaxKeptBytesPerCall
  std::size_t given_bytes = 0;              // of `options` and the secrets they add, bounded by kMaxKeptBytesPerCall
  std::deque<std::string> strings;         // text handed out as dk_str
  const std::string* last_error_handed = nullptr;  // in `strings`: what last_error handed out last
  // A dry run: request_send records each request here instead of sending it, and answers
  // DK_ERR_NETWORK ("not sent: dry run").
  std::vector<destkit::host::ResolvedRequest>* dry_run = nullptr;
  // Set by a credential test before extendRequest when testRequest follows it: an isolated
  // plugin's runner then goes on into testRequest without waiting to be asked, and the call
  // keeps that runner here until the host runs the hook (isolation/isolated_plugin.cpp).
  bool test_request_follows = false;
  std::shared_ptr<void> runner_ahead;
};

namespace destkit::host {

// Marks `call` as the one running on this thread for the lifetime of the scope; services
// reject any other call handle (stale, foreign, or from another thread).
class ActiveCall {
 public:
  explicit ActiveCall(dk_call* call);
  ~ActiveCall();
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;

  // The call running on this thread, or null.
  static dk_call* current();

 private:
  dk_call* previous_;
};

// What one hook call may send, and keep until it ends: of the answers' bodies, and apart from
// them of the text services hand out (settings, JSON values, errors), as much again, and of
// the request options the plugin makes and fills (kOptionsEntryBytes for each handle, header,
// query parameter or credentials, and their text), as much again.
inline constexpr int kMaxRequestsPerCall = 100;
// A call that kept this much returns its memory to the system when it ends.
inline constexpr std::size_t kReturnMemoryAfterBytes = 16 << 20;
// kMaxKeptBytesPerCall and kOptionsEntryBytes are in http/option_rules.hpp, which the runner
// shares.

// The services offered to every plugin (static, lives for the process).
const dk_host_api* host_api();

// Runs on_extend_request into call->extension (again, after a token refresh).
dk_status run_extend_request(dk_call* call);

// Runs a hook of `call`'s plugin (run_plugin_code, `activity` such as "in testRequest"): an
// exception it lets out becomes the call's fault, redacted, and its status DK_ERR_INTERNAL.
template <class Hook>
dk_status run_hook(dk_call& call, std::string_view activity, Hook&& hook) {
  return run_plugin_code(call.env.plugin_slug, activity, hook, [&](const std::string& what) {
    call.fault =
        call.redactor.shown(escaped_exception_message(call.env.plugin_slug, activity, what), kShownMessageBytes);
    return static_cast<dk_status>(DK_ERR_INTERNAL);
  });
}

// While loading a plugin there is no call; its log lines go here.
class LoadingLog {
 public:
  LoadingLog(const LogSink* sink, std::string source);
  ~LoadingLog();
  LoadingLog(const LoadingLog&) = delete;
  LoadingLog& operator=(const LoadingLog&) = delete;

  // A line a plugin logged with no call: to the sink of the load under way on this thread.
  static void write(LogLevel level, std::string_view message);

 private:
  const LogSink* sink_;
  std::string source_;
  PluginLogBudget budget_;  // an entry point logs in a loop as a call may
  LoadingLog* outer_;
};

}  // namespace destkit::host
