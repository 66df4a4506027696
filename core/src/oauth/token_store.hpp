// destkit/host/token_store.hpp — OAuth tokens kept between runs, one record per destination
// and connection name.
//
// Records live in $XDG_STATE_HOME/destkit/tokens (default ~/.local/state/destkit/tokens): the
// directory is 0700 and each file 0600. A record is replaced atomically (write a temporary
// file, fsync, rename, fsync the directory), so a crash mid-write leaves the previous record.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace destkit::host {

struct TokenRecord {
  std::string access_token{};
  std::string refresh_token{};
  std::string token_type{};
  std::vector<std::string> scopes{};
  std::optional<std::chrono::system_clock::time_point> expires_at{};
  std::chrono::system_clock::time_point obtained_at{};

  // True when the token expires within `margin` (or already has).
  bool expires_within(std::chrono::seconds margin) const;
};

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path directory);

  // $XDG_STATE_HOME/destkit/tokens, or ~/.local/state/destkit/tokens.
  static std::filesystem::path default_directory();

  const std::filesystem::path& directory() const { return directory_; }

  // The record, nothing when there is none, or why it cannot be read.
  std::variant<std::monostate, TokenRecord, std::string> load(const std::string& slug,
                                                              const std::string& connection) const;
  // Replaces the record atomically. Returns an error message, or "" on success.
  std::string save(const std::string& slug, const std::string& connection, const TokenRecord& record) const;
  // Deletes the record; false when there was none.
  bool remove(const std::string& slug, const std::string& connection) const;

  std::filesystem::path path_of(const std::string& slug, const std::string& connection) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace destkit::host
