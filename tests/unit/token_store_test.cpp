// The token store trusts nothing it finds: symbolic links, FIFOs, records and directories of
// other users or open to them are refused with the path and the reason; what it makes is
// private whatever the umask.
#include "environment.hpp"

#include "oauth/token_store.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <future>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

using namespace destkit::test;
using namespace destkit::host;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSlug = "example-oauth-managed";

TokenRecord record(const std::string& access) {
  return TokenRecord{.access_token = access, .refresh_token = "refresh-" + access, .token_type = "Bearer"};
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

// A store with a good record for kSlug/default.
TokenStore signed_in_store() {
  TokenStore store(new_directory("store") / "tokens");
  REQUIRE(store.save(kSlug, "default", record("mine")).empty());
  return store;
}

std::string refusal(const TokenStore& store) {
  auto loaded = store.load(kSlug, "default");
  REQUIRE(std::holds_alternative<std::string>(loaded));
  return std::get<std::string>(loaded);
}

// Another user to give files to (only root can).
uid_t another_user() {
  const passwd* nobody = ::getpwnam("nobody");
  return nobody != nullptr ? nobody->pw_uid : 65534;
}

}  // namespace

TEST_CASE("a record whose token no header could carry is damaged, not signed in") {
  for (std::string token :
       {std::string("ACCESS\r\nX-Evil: 1"), std::string("nul\0byte", 8), std::string("caf\xc3\xa9")}) {
    TokenStore store = signed_in_store();
    fs::path path = store.path_of(kSlug, "default");
    std::ofstream(path, std::ios::trunc) << boost::json::serialize(boost::json::object{{"access_token", token}});
    CHECK(refusal(store) == "the token record " + path.string() +
                                " is damaged; sign in again with destkit oauth login " + std::string(kSlug) +
                                " (or Connect on destkit serve's page)");
  }
}

TEST_CASE("a symbolic link in place of a token record is refused, not followed") {
  TokenStore store = signed_in_store();
  TokenStore planted(new_directory("planted") / "tokens");
  REQUIRE(planted.save(kSlug, "default", record("attackers")).empty());
  fs::path path = store.path_of(kSlug, "default");
  fs::remove(path);
  fs::create_symlink(planted.path_of(kSlug, "default"), path);
  std::string why = refusal(store);
  CHECK(why == "the token store is not safe to use: " + path.string() + " is a symbolic link");
}

TEST_CASE("a symbolic link in place of the destination's token directory is refused") {
  TokenStore store = signed_in_store();
  TokenStore planted(new_directory("planted") / "tokens");
  REQUIRE(planted.save(kSlug, "default", record("attackers")).empty());
  fs::remove_all(store.directory() / kSlug);
  fs::create_directory_symlink(planted.directory() / kSlug, store.directory() / kSlug);
  CHECK(refusal(store).find((store.directory() / kSlug).string() + " is a symbolic link") != std::string::npos);
  CHECK(store.save(kSlug, "default", record("next")).find("is a symbolic link") != std::string::npos);
  CHECK(std::get<TokenRecord>(planted.load(kSlug, "default")).access_token == "attackers");
}

// Only root can give a file to another user. Hidden from the default run: ctest runs it
// through run_as_root.sh, which reports it as skipped for any other user.
TEST_CASE("a token record owned by another user is refused", "[.][root]") {
  REQUIRE(::geteuid() == 0);
  uid_t other = another_user();
  TokenStore store = signed_in_store();
  fs::path path = store.path_of(kSlug, "default");
  REQUIRE(::chown(path.c_str(), other, static_cast<gid_t>(-1)) == 0);
  CHECK(refusal(store) == fmt::format("the token store is not safe to use: {} belongs to user {}, not to the user "
                                      "running destkit ({})",
                                      path.string(), other, ::geteuid()));
  SECTION("and so is a directory owned by another user") {
    REQUIRE(::chown(path.c_str(), ::geteuid(), static_cast<gid_t>(-1)) == 0);
    REQUIRE(::chown(store.directory().c_str(), other, static_cast<gid_t>(-1)) == 0);
    CHECK(refusal(store).find(store.directory().string() + " belongs to user") != std::string::npos);
  }
}

TEST_CASE("a token record that group or others can read is refused, with the fix") {
  TokenStore store = signed_in_store();
  fs::path path = store.path_of(kSlug, "default");
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  CHECK(refusal(store) == "the token store is not safe to use: " + path.string() +
                              " can be reached by group or others (mode 0640); only its owner may have access "
                              "(chmod 600 " + path.string() + ")");
}

TEST_CASE("a token directory that others can reach is refused") {
  TokenStore store = signed_in_store();
  std::string dir = GENERATE(as<std::string>{}, "", kSlug);
  fs::path path = dir.empty() ? store.directory() : store.directory() / dir;
  REQUIRE(::chmod(path.c_str(), 0755) == 0);
  CHECK(refusal(store).find(path.string() + " can be reached by group or others (mode 0755)") != std::string::npos);
}

TEST_CASE("a token store below a directory others can change is refused: they could move it aside or replace it") {
  fs::path open_dir = new_directory("store-open");
  TokenStore store(open_dir / "destkit" / "tokens");
  REQUIRE(store.save(kSlug, "default", record("mine")).empty());
  REQUIRE(::chmod(open_dir.c_str(), 0777) == 0);
  std::string expected = "the token store is not safe to use: the directory " + open_dir.string() +
                         " above it can be written by any user (mode 0777)";
  CHECK(refusal(store) == expected);
  CHECK(store.save(kSlug, "default", record("other")) == expected);
  REQUIRE(::chmod(open_dir.c_str(), 01777) == 0);  // sticky, as /tmp: others cannot move what is in it
  CHECK(std::holds_alternative<TokenRecord>(store.load(kSlug, "default")));
}

TEST_CASE("a FIFO in place of a token record is refused at once, without waiting for a writer") {
  TokenStore store = signed_in_store();
  fs::path path = store.path_of(kSlug, "default");
  fs::remove(path);
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  // Loaded on another thread, so that a store that does wait fails this test instead of hanging it.
  auto answer = std::make_shared<std::promise<std::string>>();
  std::future<std::string> loaded = answer->get_future();
  std::thread([store, answer] {
    auto result = store.load(kSlug, "default");
    answer->set_value(std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "no refusal");
  }).detach();
  REQUIRE(loaded.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(loaded.get() == "the token store is not safe to use: " + path.string() + " is not a regular file");
}

TEST_CASE("under umask 000 every directory the store makes is 0700 and each record 0600") {
  fs::path base = new_directory("umask");
  TokenStore store(base / "state" / "destkit" / "tokens");
  mode_t previous = ::umask(0);
  std::string error = store.save(kSlug, "default", record("mine"));
  auto lock = store.lock(kSlug, "default", std::chrono::seconds(1));
  ::umask(previous);
  REQUIRE(error.empty());
  REQUIRE(std::holds_alternative<TokenStore::Lock>(lock));
  for (const fs::path& dir : {base / "state", base / "state" / "destkit", store.directory(), store.directory() / kSlug}) {
    INFO(dir);
    CHECK(mode_of(dir) == 0700);
  }
  CHECK(mode_of(store.path_of(kSlug, "default")) == 0600);
  CHECK(mode_of(store.directory() / kSlug / "default.lock") == 0600);
  CHECK(std::get<TokenRecord>(store.load(kSlug, "default")).access_token == "mine");
}

TEST_CASE("a missing store or record is simply not signed in") {
  TokenStore store(new_directory("empty") / "tokens");
  CHECK(std::holds_alternative<std::monostate>(store.load(kSlug, "default")));
  REQUIRE(store.save(kSlug, "other", record("x")).empty());
  CHECK(std::holds_alternative<std::monostate>(store.load(kSlug, "default")));
}

TEST_CASE("a lock held elsewhere is waited for as long as asked, then refused as held elsewhere") {
  fs::path base = new_directory("lock-held");
  TokenStore store(base / "tokens");
  auto held = store.lock(kSlug, "default", std::chrono::seconds(1));  // a lock of its own file description
  REQUIRE(std::holds_alternative<TokenStore::Lock>(held));
  auto start = std::chrono::steady_clock::now();
  auto second = store.lock(kSlug, "default", std::chrono::milliseconds(300));
  auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE(std::holds_alternative<TokenStore::LockFailure>(second));
  const auto& failure = std::get<TokenStore::LockFailure>(second);
  CHECK(failure.held_elsewhere);
  CHECK(failure.message.find("held") != std::string::npos);
  CHECK(waited >= std::chrono::milliseconds(300));
  CHECK(waited < std::chrono::seconds(30));  // bounded by the wait asked for, not two minutes
  held = std::variant<TokenStore::Lock, TokenStore::LockFailure>(TokenStore::LockFailure{});  // released
  CHECK(std::holds_alternative<TokenStore::Lock>(store.lock(kSlug, "default", std::chrono::milliseconds(300))));
}
