#include "oauth/token_store.hpp"
#include "util/json_input.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::system_clock;

std::int64_t to_unix(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Clock::time_point from_unix(std::int64_t s) { return Clock::time_point(std::chrono::seconds(s)); }

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
  auto text = [&](const char* key) -> std::string {
    const json::value* s = o.if_contains(key);
    return s != nullptr && s->is_string() ? std::string(s->get_string()) : std::string();
  };
  TokenRecord r;
  r.access_token = text("access_token");
  r.refresh_token = text("refresh_token");
  r.token_type = text("token_type");
  if (r.access_token.empty()) return std::nullopt;
  if (const json::value* scopes = o.if_contains("scopes"); scopes != nullptr && scopes->is_array()) {
    for (const auto& s : scopes->get_array()) {
      if (s.is_string()) r.scopes.emplace_back(s.get_string());
    }
  }
  if (const json::value* e = o.if_contains("expires_at"); e != nullptr && e->is_int64()) r.expires_at = from_unix(e->get_int64());
  if (const json::value* t = o.if_contains("obtained_at"); t != nullptr && t->is_int64()) r.obtained_at = from_unix(t->get_int64());
  return r;
}

// Names become file names: keep them to a safe alphabet.
bool safe_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
                                                   std::string::npos && name[0] != '.';
}

std::string errno_text() { return std::strerror(errno); }

// Creates each missing directory of `dir` with mode 0700.
std::string make_private_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create {} ({})", dir.string(), ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return fmt::format("cannot restrict {} ({})", dir.string(), errno_text());
  return {};
}

}  // namespace

bool TokenRecord::expires_within(std::chrono::seconds margin) const {
  return expires_at && *expires_at <= Clock::now() + margin;
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
  if (!safe_name(slug) || !safe_name(connection)) return fmt::format("\"{}\" is not a valid connection name", connection);
  fs::path path = path_of(slug, connection);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::monostate{};
  std::ostringstream text;
  text << in.rdbuf();
  ParsedJson parsed = parse_json_input(text.str());
  std::optional<TokenRecord> record = parsed.ok() ? from_json(parsed.value) : std::nullopt;
  if (!record) return fmt::format("the token record {} is damaged; run destkit oauth login {} again", path.string(), slug);
  return *record;
}

std::string TokenStore::save(const std::string& slug, const std::string& connection, const TokenRecord& record) const {
  if (!safe_name(slug) || !safe_name(connection)) return fmt::format("\"{}\" is not a valid connection name", connection);
  fs::path dir = directory_ / slug;
  if (std::string error = make_private_directory(directory_); !error.empty()) return error;
  if (std::string error = make_private_directory(dir); !error.empty()) return error;

  fs::path target = path_of(slug, connection);
  std::string temporary = (dir / ("." + connection + ".json.XXXXXX")).string();
  int fd = ::mkstemp(temporary.data());  // created 0600
  if (fd < 0) return fmt::format("cannot write in {} ({})", dir.string(), errno_text());
  std::string text = json::serialize(to_json(record));
  std::string error;
  for (std::size_t done = 0; done < text.size() && error.empty();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno != EINTR) error = fmt::format("cannot write {} ({})", temporary, errno_text());
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (error.empty() && ::fsync(fd) != 0) error = fmt::format("cannot flush {} ({})", temporary, errno_text());
  ::close(fd);
  if (error.empty() && std::getenv("DESTKIT_TEST_CRASH_BEFORE_RENAME") != nullptr) {
    ::_exit(86);  // the crash the atomic replacement must survive (used by the tests)
  }
  if (error.empty() && ::rename(temporary.c_str(), target.c_str()) != 0) {
    error = fmt::format("cannot replace {} ({})", target.string(), errno_text());
  }
  if (!error.empty()) {
    ::unlink(temporary.c_str());
    return error;
  }
  // The rename is durable once the directory entry is.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

bool TokenStore::remove(const std::string& slug, const std::string& connection) const {
  if (!safe_name(slug) || !safe_name(connection)) return false;
  std::error_code ec;
  return fs::remove(path_of(slug, connection), ec);
}

}  // namespace destkit::host
