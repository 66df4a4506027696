#include "oauth/token_store.hpp"

#include "fiber/waits.hpp"
#include "plugin/file_permissions.hpp"
#include "util/json_input.hpp"
#include "util/private_files.hpp"
#include "util/read_file.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace destkit::host {

std::string token_text_problem(std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes) {
    return fmt::format("is {} bytes long; destkit keeps at most {}", value.size(), max_bytes);
  }
  if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c > 0x7e; })) {
    return "holds a character that is not printable ASCII (a line break, a NUL, a byte past 0x7e)";
  }
  return {};
}

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::system_clock;

std::int64_t to_unix(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Nothing for a time the clock cannot hold (it counts nanoseconds: up to the year 2262).
std::optional<Clock::time_point> from_unix(std::int64_t s) {
  constexpr std::int64_t kLast = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count();
  if (s < 0 || s >= kLast) return std::nullopt;
  return Clock::time_point(std::chrono::seconds(s));
}

json::object to_json(const TokenRecord& r) {
  json::array scopes;
  for (const auto& s : r.scopes) scopes.emplace_back(s);
  json::object o{{"access_token", r.access_token},
                 {"token_type", r.token_type},
                 {"scopes", std::move(scopes)},
                 {"obtained_at", to_unix(r.obtained_at)}};
  if (!r.refresh_token.empty()) o["refresh_token"] = r.refresh_token;
  if (r.expires_at) o["expires_at"] = to_unix(*r.expires_at);
  return o;
}

std::optional<TokenRecord> from_json(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  // A field of another type than this store writes is damage, not a field left out: a refresh
  // token written as a number must not read as no refresh token.
  bool well_typed = true;
  auto text = [&](const char* key) -> std::string {
    const json::value* s = o.if_contains(key);
    if (s != nullptr && !s->is_string()) well_typed = false;
    return s != nullptr && s->is_string() ? std::string(s->get_string()) : std::string();
  };
  TokenRecord r;
  r.access_token = text("access_token");
  r.refresh_token = text("refresh_token");
  r.token_type = text("token_type");
  // A record another tool wrote may hold what no header can carry: damaged, as unreadable.
  if (!well_typed || r.access_token.empty() || !token_text_problem(r.access_token, kMaxTokenBytes).empty() ||
      !token_text_problem(r.refresh_token, kMaxTokenBytes).empty()) {
    return std::nullopt;
  }
  if (const json::value* scopes = o.if_contains("scopes"); scopes != nullptr) {
    if (!scopes->is_array()) return std::nullopt;
    for (const auto& s : scopes->get_array()) {
      if (!s.is_string()) return std::nullopt;
      r.scopes.emplace_back(s.get_string());
    }
  }
  if (const json::value* e = o.if_contains("expires_at"); e != nullptr) {
    r.expires_at = e->is_int64() ? from_unix(e->get_int64()) : std::nullopt;
    if (!r.expires_at) return std::nullopt;
  }
  if (const json::value* t = o.if_contains("obtained_at"); t != nullptr) {
    auto obtained = t->is_int64() ? from_unix(t->get_int64()) : std::nullopt;
    if (!obtained) return std::nullopt;
    r.obtained_at = *obtained;
  }
  return r;
}

// Names become file names: keep them to a safe alphabet.
std::string errno_text() { return std::strerror(errno); }

// A stored record is about 1 KiB; this leaves room for long JWTs and stops a huge file.
constexpr std::size_t kMaxRecordBytes = 256 * 1024;

// The slug's directory: opened (or made) only when it and the store's directory are private,
// and no other user can change a directory above them: they could move the store aside and
// back, undoing a sign-out.
PrivateOpen open_slug_directory(const fs::path& store, const std::string& slug, IfMissing if_missing) {
  if (std::string problem = writable_place_problem(store); !problem.empty()) {
    PrivateOpen refused_open;
    refused_open.error = problem;
    return refused_open;
  }
  PrivateOpen top = open_private_directory(store, if_missing);
  if (!top.ok()) return top;
  return open_private_directory_in(top, store, slug, if_missing);
}

std::string refused(const std::string& why) { return "the token store is not safe to use: " + why; }

}  // namespace

bool safe_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
                                                   std::string::npos && name[0] != '.';
}


bool TokenRecord::expires_within(std::chrono::seconds margin) const {
  return expires_at && *expires_at <= Clock::now() + margin;
}

std::optional<Clock::time_point> expiry_after(Clock::time_point obtained_at, double seconds) {
  seconds = std::floor(seconds);            // fractional: rounded down, as the README says
  if (!(seconds > 0)) return std::nullopt;  // also NaN, and 0.5 rounded down
  auto lifetime = std::chrono::seconds(static_cast<std::int64_t>(std::min(seconds, double(kLongestTokenLifetime.count()))));
  return obtained_at + lifetime;
}

TokenStore::TokenStore(fs::path directory) : directory_(std::move(directory)) {}

fs::path TokenStore::default_directory() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/') {
    return fs::path(state) / "destkit" / "tokens";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/") / ".local" / "state" / "destkit" / "tokens";
}

fs::path TokenStore::path_of(const std::string& slug, const std::string& connection) const {
  return directory_ / slug / (connection + ".json");
}

std::variant<std::monostate, TokenRecord, std::string> TokenStore::load(const std::string& slug,
                                                                        const std::string& connection) const {
  if (auto kept = unsaved(slug, connection)) return std::move(kept->record);
  return load_saved(slug, connection);
}

std::variant<std::monostate, TokenRecord, std::string> TokenStore::load_saved(const std::string& slug,
                                                                              const std::string& connection) const {
  if (!safe_name(slug) || !safe_name(connection))
    return fmt::format("\"{}\" is not a valid connection name", connection);
  PrivateOpen dir = open_slug_directory(directory_, slug, IfMissing::report);
  if (dir.missing) return std::monostate{};
  if (!dir.ok()) return refused(dir.error);
  PrivateOpen file = open_private_file_in(dir, directory_ / slug, connection + ".json", O_RDONLY, IfMissing::report);
  if (file.missing) return std::monostate{};
  if (!file.ok()) return refused(file.error);
  fs::path path = path_of(slug, connection);
  FileText text = read_descriptor(file.fd.get(), path.string(), kMaxRecordBytes);
  ParsedJson parsed = text.ok() ? parse_json_input(text.text) : ParsedJson{{}, text.error};
  std::optional<TokenRecord> record = parsed.ok() ? from_json(parsed.value) : std::nullopt;
  if (!record) {
    return fmt::format(
        "the token record {} is damaged; sign in again with destkit oauth login {} (or Connect on "
        "destkit serve's page)",
        path.string(), slug);
  }
  return *record;
}

std::string TokenStore::save(const std::string& slug, const std::string& connection, const TokenRecord& record,
                             const std::function<void()>& before_replace) const {
  if (!safe_name(slug) || !safe_name(connection)) return fmt::format("\"{}\" is not a valid connection name", connection);
  PrivateOpen dir = open_slug_directory(directory_, slug, IfMissing::create);
  if (!dir.ok()) return refused(dir.error);
  std::string error = replace_private_file_in(dir, directory_ / slug, connection + ".json",
                                              json::serialize(to_json(record)), before_replace);
  if (error.empty()) forget_unsaved(slug, connection);
  return error;
}

std::optional<TokenStore::Kept> TokenStore::unsaved(const std::string& slug, const std::string& connection) const {
  std::lock_guard guard(unsaved_->mutex);
  auto it = unsaved_->records.find(slug + "/" + connection);
  if (it == unsaved_->records.end()) return std::nullopt;
  return it->second;
}

void TokenStore::keep_unsaved(const std::string& slug, const std::string& connection, const TokenRecord& record,
                              std::optional<TokenRecord> replaced) const {
  std::lock_guard guard(unsaved_->mutex);
  auto [it, added] = unsaved_->records.try_emplace(slug + "/" + connection, Kept{record, std::move(replaced)});
  if (!added) it->second.record = record;  // a kept record renewed again still replaces what is stored
}

bool TokenStore::has_unsaved(const std::string& slug, const std::string& connection) const {
  return unsaved(slug, connection).has_value();
}

void TokenStore::forget_unsaved(const std::string& slug, const std::string& connection) const {
  std::lock_guard guard(unsaved_->mutex);
  unsaved_->records.erase(slug + "/" + connection);
}

TokenStore::KeptRecord TokenStore::save_unsaved(const std::string& slug, const std::string& connection) const {
  auto kept = unsaved(slug, connection);
  if (!kept) return KeptRecord::saved;
  auto stored = load_saved(slug, connection);
  const TokenRecord* now = std::get_if<TokenRecord>(&stored);
  bool unchanged = kept->replaced ? now != nullptr && now->access_token == kept->replaced->access_token &&
                                        now->refresh_token == kept->replaced->refresh_token
                                  : std::holds_alternative<std::monostate>(stored);
  if (!unchanged) {
    forget_unsaved(slug, connection);
    return KeptRecord::superseded;
  }
  return save(slug, connection, kept->record).empty() ? KeptRecord::saved : KeptRecord::still_unsaved;
}

std::variant<bool, std::string> TokenStore::remove(const std::string& slug, const std::string& connection) const {
  if (!safe_name(slug) || !safe_name(connection)) return false;
  bool kept = has_unsaved(slug, connection);
  forget_unsaved(slug, connection);
  fs::path path = path_of(slug, connection);
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (status.type() == fs::file_type::not_found) return kept;
  if (ec) return fmt::format("cannot read {}: {}", path.string(), ec.message());
  if (status.type() == fs::file_type::directory) {
    return fmt::format("{} is a directory, not a stored connection: remove it yourself", path.string());
  }
  if (!fs::remove(path, ec) && ec) return fmt::format("cannot remove {}: {}", path.string(), ec.message());
  return true;
}

std::variant<TokenStore::Lock, TokenStore::LockFailure> TokenStore::lock(const std::string& slug,
                                                                         const std::string& connection,
                                                                         std::chrono::milliseconds wait) const {
  if (!safe_name(slug) || !safe_name(connection)) {
    return LockFailure{fmt::format("\"{}\" is not a valid connection name", connection)};
  }
  PrivateOpen dir = open_slug_directory(directory_, slug, IfMissing::create);
  if (!dir.ok()) return LockFailure{refused(dir.error)};
  fs::path dir_path = directory_ / slug;
  PrivateOpen file = open_private_file_in(dir, dir_path, connection + ".lock", O_RDWR, IfMissing::create);
  if (!file.ok()) return LockFailure{refused(file.error)};
  // flock waits without a bound; polling keeps a stuck holder from stalling this process.
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::milliseconds(5);
  while (::flock(file.fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return LockFailure{
          fmt::format("cannot lock {} ({})", (dir_path / (connection + ".lock")).string(), errno_text())};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return LockFailure{fmt::format("another process held {} for all of the {} ms this one waited; try again",
                                     (dir_path / (connection + ".lock")).string(), wait.count()),
                         true};
    }
    fiber::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  return Lock(std::move(file.fd));
}

}  // namespace destkit::host
