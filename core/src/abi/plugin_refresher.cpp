// The oauth2 scheme's refresh through the destination's own on_refresh_access_token.
#include "abi/plugin_refresher.hpp"

#include "abi/plugin_code.hpp"

#include <fmt/format.h>

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
    dk_status status;
    {
      ActiveCall active(&call);
      PluginCode running(env.plugin_slug, "in refreshAccessToken");
      status = hooks->on_refresh_access_token(handle_of(call));
    }
    if (status == DK_OK && call.new_tokens) {
      TokenRecord record = *call.new_tokens;
      if (record.refresh_token.empty()) record.refresh_token = current.refresh_token;
      record.token_type = current.token_type;
      record.scopes = current.scopes;
      return record;
    }
    bool unavailable = status == DK_ERR_NETWORK ||
                       (call.last_request_failure && call.last_request_failure->kind == RequestFailure::Kind::http &&
                        call.last_request_failure->status >= 500);
    std::string why = !call.fault.empty()             ? call.fault
                      : call.last_request_failure ? call.last_request_failure->message
                                                  : call.error;
    if (status == DK_OK) why = "refreshAccessToken returned no token";
    return OAuthError{unavailable ? OAuthError::Kind::unavailable : OAuthError::Kind::rejected,
                      fmt::format("refreshAccessToken of {} failed: {}", env.plugin_slug, why.empty() ? "no reason given" : why)};
  };
}

}  // namespace destkit::host
