// The oauth2 scheme's refresh through the destination's own on_refresh_access_token.
#include "abi/plugin_refresher.hpp"

#include "abi/plugin_code.hpp"

#include <fmt/format.h>

#include <string>
#include <tuple>
#include <vector>

namespace destkit::host {

OAuthTokens::Refresher plugin_refresher(const dk_plugin* hooks, const dk_call& template_call) {
  CallEnvironment env = template_call.env;
  const boost::json::object* settings = template_call.settings;
  RequestOptions defaults = template_call.defaults;
  // Only the host's defaults apply: extendRequest would send the stale access token.
  defaults.username.reset();
  defaults.password.reset();
  return [hooks, env, settings, defaults](const OAuthClientConfig& client, const TokenRecord& current) -> TokenResult {
    dk_call call;
    call.env = env;
    call.redactor.limit_to(env.plugin_slug);
    call.hooks = hooks;
    call.settings = settings;
    call.auth = {current.access_token, current.refresh_token};
    call.client = &client;
    call.defaults = defaults;
    call.redactor.add(current.access_token);
    call.redactor.add(current.refresh_token);
    add_client_secrets(call.redactor, client);
    // The hook's log lines wait for its end, to be redacted again once set_tokens has named the
    // new tokens: it may log the answer that carries them before it does.
    std::vector<std::tuple<LogLevel, std::string, std::string>> held;
    LogSink hold = [&held](LogLevel level, std::string_view source, std::string_view message) {
      held.emplace_back(level, source, message);
    };
    if (env.log != nullptr && *env.log) call.env.log = &hold;
    dk_status status;
    {
      ActiveCall active(&call);
      status = run_hook(call, "in refreshAccessToken", [&] { return hooks->on_refresh_access_token(handle_of(call)); });
    }
    for (const auto& [level, source, message] : held) {
      try {
        (*env.log)(level, source, call.redactor.apply(message));
      } catch (...) {  // a sink that throws loses its line
      }
    }
    if (status == DK_OK && call.new_tokens) {
      TokenRecord record = *call.new_tokens;
      if (record.refresh_token.empty()) record.refresh_token = current.refresh_token;
      record.token_type = current.token_type;
      record.scopes = current.scopes;
      return record;
    }
    // Refused only when the plugin says so, or the endpoint refused it (4xx): anything else (a
    // bad answer, a 5xx, a bug) says nothing of the user's sign-in.
    bool answered_4xx = call.last_request_failure && call.last_request_failure->kind == RequestFailure::Kind::http &&
                        call.last_request_failure->status >= 400 && call.last_request_failure->status < 500;
    bool refused = status == DK_ERR_INVALID_CREDENTIALS || (status == DK_ERR_HTTP && answered_4xx);
    std::string why = !call.fault.empty()             ? call.fault
                      : call.last_request_failure ? call.last_request_failure->message
                                                  : call.error;
    if (status == DK_OK) why = "refreshAccessToken returned no token";
    return OAuthError{
        refused ? OAuthError::Kind::rejected : OAuthError::Kind::unavailable,
        fmt::format("refreshAccessToken of {} failed: {}", env.plugin_slug, why.empty() ? "no reason given" : why)};
  };
}

}  // namespace destkit::host
