#include "oauth/tokens.hpp"

#include <fmt/format.h>

namespace destkit::host {
namespace {

// Refresh this long before the recorded expiry, so a token does not expire in flight.
constexpr std::chrono::seconds kExpiryMargin{30};

// What a person does to sign in, from the CLI or from serve's page.
std::string sign_in_advice(const std::string& slug) {
  return fmt::format("sign in with destkit oauth login {} (or Connect on destkit serve's page)", slug);
}

OAuthError not_signed_in(const std::string& slug) {
  return OAuthError{OAuthError::Kind::not_signed_in,
                    fmt::format("no OAuth token is stored for {}; {}", slug, sign_in_advice(slug))};
}

// Signing in needs a client first.
OAuthError no_client_to_sign_in_with(const std::string& slug) {
  return OAuthError{
      OAuthError::Kind::not_signed_in,
      fmt::format("no OAuth token is stored for {}, and no OAuth client is configured to sign in with: add "
                  "destinations.{}.oauth to the configuration (--config FILE or DESTKIT_CONFIG), then {}",
                  slug, slug, sign_in_advice(slug))};
}

// Says which renewal failed, and adds what to do next.
OAuthError renewal_failed(const std::string& slug, OAuthGrant grant, OAuthError e) {
  // An invalid answer or client: the message says what to check.
  std::string advice = e.kind == OAuthError::Kind::unavailable   ? "; try again later"
                       : e.kind != OAuthError::Kind::rejected    ? ""
                       : grant == OAuthGrant::client_credentials ? "; check its OAuth client in the host configuration"
                                                                 : "; " + sign_in_advice(slug);
  e.message = grant == OAuthGrant::client_credentials
                  ? fmt::format("could not get an access token for {} (client_credentials grant): {}{}", slug,
                                e.message, advice)
                  : fmt::format("could not refresh the access token of {}: {}{}", slug, e.message, advice);
  return e;
}

}  // namespace

OAuthTokens::OAuthTokens(HostConfig config, TokenStore store, HttpClientConfig http, LogSink log)
    : config_(std::move(config)), store_(std::move(store)), http_(std::move(http)), log_(std::move(log)) {}

void OAuthTokens::warn(const std::string& message) const {
  if (!log_) return;
  try {
    log_(LogLevel::warn, "destkit", message);
  } catch (...) {  // a sink that throws loses its line, not the token
  }
}

void OAuthTokens::save_kept_record(const std::string& slug, const std::string& connection) {
  auto lock = store_.lock(slug, connection, std::chrono::milliseconds(0));
  if (!std::holds_alternative<TokenStore::Lock>(lock)) return;  // tried again at the next use
  switch (store_.save_unsaved(slug, connection)) {
    case TokenStore::KeptRecord::saved:
      warn(fmt::format("the renewed token of {} (connection {}) that could not be stored before is stored now", slug,
                       connection));
      break;
    case TokenStore::KeptRecord::superseded:
      warn(
          fmt::format("the renewed token of {} (connection {}) that could not be stored is dropped: another process "
                      "signed in or out since",
                      slug, connection));
      break;
    case TokenStore::KeptRecord::still_unsaved: break;  // tried again at the next use
  }
}

OAuthTokens::Refresher OAuthTokens::standard_refresher() const {
  return [http = http_](const OAuthClientConfig& client, const TokenRecord& current) {
    return refresh_access_token(client, current, http);
  };
}

OAuthTokens::Renewals& OAuthTokens::renewals_of(const std::string& slug, const std::string& connection) {
  std::lock_guard guard(renewals_mutex_);
  auto& renewals = renewals_[slug + "/" + connection];
  if (!renewals) renewals = std::make_unique<Renewals>();
  return *renewals;
}

TokenResult OAuthTokens::renew_once(Renewals& renewals, std::uint64_t failed_before, const std::string& slug,
                                    const std::string& connection, const OAuthClientConfig& client,
                                    const Refresher& refresher,
                                    const std::function<bool(const TokenRecord&)>& still_good) {
  if (renewals.failed.load() != failed_before) return renewals.last_failure;
  TokenResult result = renew_unless(slug, connection, client, refresher, still_good);
  if (auto* e = std::get_if<OAuthError>(&result)) {
    renewals.last_failure = *e;
    ++renewals.failed;
  }
  return result;
}

// Gets a new token (refresh, or client_credentials) and stores it. Caller holds both locks:
// the key's mutex and the store's lock.
TokenResult OAuthTokens::renew(const std::string& slug, const std::string& connection, const OAuthClientConfig& client,
                               const TokenRecord* current, const Refresher& refresher, bool must_store) {
  TokenResult result;
  if (client.grant == OAuthGrant::client_credentials) {
    result = fetch_client_credentials_token(client, http_);
  } else if (current == nullptr) {
    return not_signed_in(slug);
  } else {
    result = refresher(client, *current);
  }
  if (auto* e = std::get_if<OAuthError>(&result)) return renewal_failed(slug, client.grant, *e);
  const auto& record = std::get<TokenRecord>(result);
  if (std::string error = store_.save(slug, connection, record); !error.empty()) {
    if (must_store) return OAuthError{OAuthError::Kind::invalid, "could not store the new token: " + error};
    store_.keep_unsaved(slug, connection, record, current ? std::optional<TokenRecord>(*current) : std::nullopt);
    warn(
        fmt::format("could not store the renewed token of {} (connection {}): {}; it is used from memory and stored "
                    "at its next use that can, and is lost if this process ends first (sign in again then)",
                    slug, connection, error));
  }
  return result;
}

TokenResult OAuthTokens::renew_unless(const std::string& slug, const std::string& connection,
                                      const OAuthClientConfig& client, const Refresher& refresher,
                                      const std::function<bool(const TokenRecord&)>& still_good) {
  auto lock = store_.lock(slug, connection, http_.own_request_timeout);
  if (auto* e = std::get_if<TokenStore::LockFailure>(&lock)) return lock_error(*e);
  auto stored = store_.load(slug, connection);
  if (auto* e = std::get_if<std::string>(&stored)) return OAuthError{OAuthError::Kind::invalid, *e};
  const TokenRecord* record = std::get_if<TokenRecord>(&stored);
  if (record != nullptr && still_good(*record)) return *record;
  return renew(slug, connection, client, record, refresher, false);
}

TokenResult OAuthTokens::current(const std::string& slug, const std::string& connection, const Refresher& refresher) {
  const OAuthClientConfig* client = config_.oauth_client(slug);
  Renewals& renewals = renewals_of(slug, connection);
  std::uint64_t failed_before = renewals.failed.load();
  std::lock_guard guard(renewals.mutex);
  if (store_.has_unsaved(slug, connection)) save_kept_record(slug, connection);
  auto stored = store_.load(slug, connection);
  if (auto* e = std::get_if<std::string>(&stored)) return OAuthError{OAuthError::Kind::invalid, *e};
  const TokenRecord* record = std::get_if<TokenRecord>(&stored);
  auto fresh = [](const TokenRecord& r) { return !r.expires_within(kExpiryMargin); };
  if (record != nullptr && fresh(*record)) return *record;
  if (client == nullptr) {
    if (record != nullptr) return *record;  // expired, and nothing to refresh it with: let the API say so
    return no_client_to_sign_in_with(slug);
  }
  // Nothing to refresh, and no lock file made for a connection that was never signed in.
  if (record == nullptr && client->grant != OAuthGrant::client_credentials) return not_signed_in(slug);
  return renew_once(renewals, failed_before, slug, connection, *client, refresher, fresh);
}

TokenResult OAuthTokens::after_unauthorized(const std::string& slug, const std::string& connection,
                                            const std::string& stale_access_token, const Refresher& refresher) {
  const OAuthClientConfig* client = config_.oauth_client(slug);
  if (client == nullptr) {
    return OAuthError{OAuthError::Kind::rejected,
                      fmt::format("the access token was refused and {} has no OAuth client configured to refresh it "
                                  "(the host configuration holds it: --config or DESTKIT_CONFIG)",
                                  slug)};
  }
  Renewals& renewals = renewals_of(slug, connection);
  std::uint64_t failed_before = renewals.failed.load();
  std::lock_guard guard(renewals.mutex);
  // Another caller refreshed while this one waited for the lock: use its token, or its failure.
  return renew_once(renewals, failed_before, slug, connection, *client, refresher,
                    [&](const TokenRecord& r) { return r.access_token != stale_access_token; });
}

TokenResult OAuthTokens::fetch_client_credentials(const std::string& slug, const std::string& connection) {
  const OAuthClientConfig* client = config_.oauth_client(slug);
  if (client == nullptr || client->grant != OAuthGrant::client_credentials) {
    return OAuthError{OAuthError::Kind::invalid, fmt::format("{} has no client_credentials client configured", slug)};
  }
  std::lock_guard guard(renewals_of(slug, connection).mutex);
  auto lock = store_.lock(slug, connection, http_.own_request_timeout);
  if (auto* e = std::get_if<TokenStore::LockFailure>(&lock)) return lock_error(*e);
  return renew(slug, connection, *client, nullptr, standard_refresher(), true);
}

}  // namespace destkit::host
