// oauth/token_store — OAuth tokens kept between runs, one record per destination
// and connection name.
//
// Records live in $XDG_STATE_HOME/destkit/tokens (default ~/.local/state/destkit/tokens), in
// one directory per destination: DIRECTORY/SLUG/CONNECTION.json. Directories are made 0700 and
// records 0600, whatever the umask. Nothing there is trusted as found: a symbolic link, a file
// that is not a regular file, one owned by another user, or a directory or record that group
// or others can reach is refused with a message saying which path and why (util/private_files).
// A record is replaced atomically (write a temporary file, fsync, rename, fsync the directory),
// so a crash mid-write leaves the previous record.
//
// A renewed record that cannot be saved (a full disk) can be kept in memory in its place
// (keep_unsaved): a refresh token the server rotated is then not lost while the process runs.
// Copies of a TokenStore share what they keep.
#pragma once

#include "util/private_files.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace destkit::host {

// Tokens longer than this are refused: a record holds two, and the store reads records of at
// most 256 KiB.
inline constexpr std::size_t kMaxTokenBytes = 64 * 1024;

// Why a token (or token_type, scope) cannot be stored and used, as a phrase completing "it ...":
// longer than `max_bytes`, or holding a character that is not printable ASCII (RFC 6749
// appendix A), which no header could carry. Empty when it can.
std::string token_text_problem(std::string_view value, std::size_t max_bytes);

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

// Longer lifetimes (1e300 seconds has been seen) are taken as this, ten (Gregorian) years: the
// clock must hold them.
inline constexpr std::chrono::seconds kLongestTokenLifetime =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::years{10});

// When a token obtained at `obtained_at` and said to last `seconds` expires: whole seconds
// (rounded down), at most kLongestTokenLifetime; nothing when that is not a positive number.
std::optional<std::chrono::system_clock::time_point> expiry_after(std::chrono::system_clock::time_point obtained_at,
                                                                 double seconds);

// Whether the store takes `name` as a slug or connection name: 1 to 64 of A-Z a-z 0-9 - _ .,
// not starting with a dot.
bool safe_name(const std::string& name);
inline constexpr std::string_view kConnectionNameRule =
    "a connection name is 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'";

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path directory);

  // $XDG_STATE_HOME/destkit/tokens, or ~/.local/state/destkit/tokens.
  static std::filesystem::path default_directory();

  const std::filesystem::path& directory() const { return directory_; }

  // The record (one kept unsaved first), nothing when there is none, or why it cannot be read.
  std::variant<std::monostate, TokenRecord, std::string> load(const std::string& slug,
                                                              const std::string& connection) const;
  // Replaces the record atomically, and forgets one kept unsaved. Returns an error message, or
  // "" on success.
  // `before_replace` runs once the new record is written and flushed, just before it replaces
  // the old one: the moment a crash must leave the previous record readable.
  std::string save(const std::string& slug, const std::string& connection, const TokenRecord& record,
                   const std::function<void()>& before_replace = {}) const;
  // Deletes the record and forgets one kept unsaved: true when there was one, false when there
  // was none, or why it could not (a directory in its place is left alone).
  std::variant<bool, std::string> remove(const std::string& slug, const std::string& connection) const;

  // An exclusive lock on slug/connection shared by every process using this store (flock on
  // CONNECTION.lock next to the record), held until the Lock is destroyed.
  class Lock {
   public:
    explicit Lock(Descriptor fd) : fd_(std::move(fd)) {}

   private:
    Descriptor fd_;  // closing it releases the lock
  };
  // Why the lock was not had: `held_elsewhere` when another process held it for all of the
  // wait (a refresh under way that takes too long, or a process stopped while holding it).
  struct LockFailure {
    std::string message;
    bool held_elsewhere = false;
  };
  // Waits for the lock up to `wait`; or says why it cannot be had.
  std::variant<Lock, LockFailure> lock(const std::string& slug, const std::string& connection,
                                       std::chrono::milliseconds wait) const;

  std::filesystem::path path_of(const std::string& slug, const std::string& connection) const;

  // Keeps `record`, which save() could not write, in memory in place of `replaced` (the stored
  // record it renews; none for a first one). A record kept already is replaced, and what it
  // stands in for stays what is stored.
  void keep_unsaved(const std::string& slug, const std::string& connection, const TokenRecord& record,
                    std::optional<TokenRecord> replaced) const;
  bool has_unsaved(const std::string& slug, const std::string& connection) const;
  // Saves the record kept unsaved, if the stored one is still the one it renews: when another
  // process signed in or out meanwhile, what it stored stands and the kept record is dropped.
  // Call with the lock held.
  enum class KeptRecord { saved, superseded, still_unsaved };
  KeptRecord save_unsaved(const std::string& slug, const std::string& connection) const;

 private:
  struct Kept {
    TokenRecord record;
    std::optional<TokenRecord> replaced;
  };
  struct Unsaved {
    std::mutex mutex;
    std::map<std::string, Kept> records;  // by "slug/connection"
  };
  std::optional<Kept> unsaved(const std::string& slug, const std::string& connection) const;
  // load() without the record kept unsaved.
  std::variant<std::monostate, TokenRecord, std::string> load_saved(const std::string& slug,
                                                                    const std::string& connection) const;
  void forget_unsaved(const std::string& slug, const std::string& connection) const;

  std::filesystem::path directory_;
  std::shared_ptr<Unsaved> unsaved_ = std::make_shared<Unsaved>();
};

}  // namespace destkit::host
