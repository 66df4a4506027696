// oauth/tokens — the token lifecycle of OAuth destinations once signed in (oauth/login.hpp):
// use, refresh, fetch with client_credentials.
//
// Tokens come from the token store (authorization_code, after `destkit oauth login`) or from
// the token endpoint itself (client_credentials). A token known to be expired is refreshed
// before use; after a 401, concurrent callers holding the same stale token cause exactly one
// refresh (single flight), whether they are threads of one process or processes sharing the
// token store: a renewal holds the store's lock for slug/connection from reading the record
// to saving the new one, and reads the record again once it has the lock. A failed refresh
// leaves the stored record as it was, and is the answer of the callers in this process that
// waited for it: an identity provider that is down costs one failed request, not one per caller.
// A renewed token the store cannot save (a full disk) is used from memory, with a warning in
// the log, and saved again at each use until it is: a rotated refresh token is then lost only
// if the process ends before the store can be written.
#pragma once

#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>
#include <destkit/host/oauth.hpp>
#include "fiber/waits.hpp"
#include "oauth/protocol.hpp"
#include "oauth/token_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace destkit::host {

class OAuthTokens {
 public:
  // How a stored record is refreshed: the standard refresh_token grant, or a destination's own
  // refreshAccessToken (oauth2 scheme).
  using Refresher = std::function<TokenResult(const OAuthClientConfig& client, const TokenRecord& current)>;

  OAuthTokens(HostConfig config, TokenStore store, HttpClientConfig http, LogSink log = {});

  const HostConfig& config() const { return config_; }
  const TokenStore& store() const { return store_; }
  const HttpClientConfig& http() const { return http_; }

  // The token to use now for slug/connection.
  TokenResult current(const std::string& slug, const std::string& connection, const Refresher& refresher);

  // After the API answered 401 to `stale_access_token`: the refreshed token, refreshing only
  // if no other caller already has.
  TokenResult after_unauthorized(const std::string& slug, const std::string& connection,
                                 const std::string& stale_access_token, const Refresher& refresher);

  // A new client_credentials token for slug/connection, stored in place of whatever record
  // is there now, readable or not (`destkit oauth login` of a client_credentials client).
  TokenResult fetch_client_credentials(const std::string& slug, const std::string& connection);

  // The standard refresher: the refresh_token grant at the configured token URL.
  Refresher standard_refresher() const;

 private:
  // A slug/connection's renewals in this process: one at a time, and the failure of the last
  // one that failed for those that waited for it.
  struct Renewals {
    fiber::Mutex mutex;                    // held across the refresh's request: a fiber that waits lets the others run
    std::atomic<std::uint64_t> failed{0};  // how many renewals have failed
    OAuthError last_failure{};             // guarded by `mutex`
  };
  Renewals& renewals_of(const std::string& slug, const std::string& connection);
  // renew_unless for a caller that saw `failed_before` failures before it waited for the lock:
  // the failure of a renewal that failed while it waited, else renew_unless's answer.
  TokenResult renew_once(Renewals& renewals, std::uint64_t failed_before, const std::string& slug,
                         const std::string& connection, const OAuthClientConfig& client, const Refresher& refresher,
                         const std::function<bool(const TokenRecord&)>& still_good);
  // `must_store`: fail when the new token cannot be saved, rather than keep it in memory.
  TokenResult renew(const std::string& slug, const std::string& connection, const OAuthClientConfig& client,
                    const TokenRecord* current, const Refresher& refresher, bool must_store);
  // Saves a renewed record that could not be saved before, if the store's lock is free now.
  void save_kept_record(const std::string& slug, const std::string& connection);
  void warn(const std::string& message) const;
  // Under the store's lock: the stored record if `still_good` says so (another process renewed
  // it meanwhile), else a renewed one.
  TokenResult renew_unless(const std::string& slug, const std::string& connection, const OAuthClientConfig& client,
                           const Refresher& refresher, const std::function<bool(const TokenRecord&)>& still_good);

  HostConfig config_;
  TokenStore store_;
  HttpClientConfig http_;
  LogSink log_;
  std::mutex renewals_mutex_;
  std::map<std::string, std::unique_ptr<Renewals>> renewals_;
};

}  // namespace destkit::host
