#include "auth/call_session.hpp"

#include "abi/plugin_refresher.hpp"

#include <fmt/format.h>

namespace destkit::host {
namespace {

// The observer's failure must not become the refresh's.
void report(const TokenRefreshObserver& observer, const std::string& slug, bool refreshed) noexcept {
  if (!observer) return;
  try {
    observer(TokenRefresh{slug, refreshed});
  } catch (...) {
  }
}

}  // namespace

CallSession::CallSession(OAuthTokens* tokens, TokenRefreshObserver observer, std::string connection)
    : tokens_(tokens), observer_(std::move(observer)), connection_(std::move(connection)) {}

std::optional<OAuthError> CallSession::begin(dk_call& call) {
  const Definition& definition = *call.definition;
  if (!definition.uses_oauth() || !call.auth.access_token.empty()) return std::nullopt;
  if (tokens_ == nullptr) return OAuthError{OAuthError::Kind::not_signed_in, "no OAuth token was given"};
  if (call.dry_run != nullptr) return begin_dry_run(call);
  const dk_plugin& hooks = *call.hooks;
  OAuthTokens::Refresher refresher = hooks.on_refresh_access_token != nullptr && definition.scheme == Scheme::oauth2
                                         ? plugin_refresher(&hooks, call)
                                         : tokens_->standard_refresher();
  refresher_ = [refresher = std::move(refresher), observer = observer_, slug = call.env.plugin_slug](
                   const OAuthClientConfig& client, const TokenRecord& current) {
    TokenResult result = refresher(client, current);
    report(observer, slug, std::holds_alternative<TokenRecord>(result));
    return result;
  };
  TokenResult token = tokens_->current(call.env.plugin_slug, connection_, refresher_);
  if (auto* e = std::get_if<OAuthError>(&token)) return *e;
  use(call, std::get<TokenRecord>(token));
  call.authentication = this;
  return std::nullopt;
}

std::optional<OAuthError> CallSession::begin_dry_run(dk_call& call) {
  auto stored = tokens_->store().load(call.env.plugin_slug, connection_);
  if (auto* e = std::get_if<std::string>(&stored)) return OAuthError{OAuthError::Kind::invalid, *e};
  if (std::holds_alternative<std::monostate>(stored)) {
    return OAuthError{OAuthError::Kind::not_signed_in,
                      fmt::format("no OAuth token is stored for {}; sign in with destkit oauth login {}",
                                  call.env.plugin_slug, call.env.plugin_slug)};
  }
  use(call, std::get<TokenRecord>(stored));
  return std::nullopt;
}

AfterUnauthorized CallSession::after_unauthorized(dk_call& call) {
  if (refreshed_) return {};  // one refresh per call: a second 401 stands
  refreshed_ = true;
  TokenResult renewed = tokens_->after_unauthorized(call.env.plugin_slug, connection_, call.auth.access_token, refresher_);
  if (auto* e = std::get_if<OAuthError>(&renewed)) {
    // The 401 stands as the verdict only when the grant itself is refused or gone; a refresh
    // that could not be made (endpoint down, store unusable, answer malformed) verifies nothing.
    bool verifies = e->kind == OAuthError::Kind::rejected || e->kind == OAuthError::Kind::not_signed_in;
    return {AfterUnauthorized::Action::fail, e->message, !verifies};
  }
  use(call, std::get<TokenRecord>(renewed));
  if (run_extend_request(&call) != DK_OK) {
    return {AfterUnauthorized::Action::fail, "extendRequest failed after the token refresh: " + call.error};
  }
  return {AfterUnauthorized::Action::send_again};
}

void CallSession::use(dk_call& call, const TokenRecord& tokens) {
  call.redactor.add(tokens.access_token);
  call.redactor.add(tokens.refresh_token);
  call.auth = {tokens.access_token, tokens.refresh_token};
}

}  // namespace destkit::host
