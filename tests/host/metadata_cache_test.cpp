// The plugin metadata cache: a warm start lists plugins without running their code, loads the
// code at first use, and never lets a cache that fails its checks, or a file that changed, make
// anything load that the checks without the cache would not load.
#include "environment.hpp"
#include "process.hpp"

#include <destkit/host/host.hpp>
#include "util/sha256.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

using namespace destkit::test;
using namespace destkit::host;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// Set in this process by the constructor of variant-marks-load (slug "variant"): its code ran
// in the host. The host loads the same bytes once per process, so each test gets a copy of its
// own (another version).
constexpr const char* kCodeRan = "DESTKIT_TEST_UNVERIFIED_CODE_RAN";
const std::string kMarksLoad = "destkit-variant-marks-load.so";

bool code_ran() { return std::getenv(kCodeRan) != nullptr; }

struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
  }
};

// Replaces `from` with `to` (the same length) in the file, keeping its modification time: the
// file keeps its size and mtime, only its change time tells.
void rewrite_in_place(const fs::path& file, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  auto modified = fs::last_write_time(file);
  std::string bytes = read_file(file);
  auto at = bytes.find(from);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, from.size(), to);
  std::ofstream(file, std::ios::binary | std::ios::in | std::ios::out).write(bytes.data(), std::streamsize(bytes.size()));
  fs::last_write_time(file, modified);
  REQUIRE(fs::file_size(file) == bytes.size());
}

struct Setup {
  fs::path plugins = new_directory("cached-plugins");
  fs::path cache = new_directory("metadata-cache") / "destkit" / "plugin-metadata.json";
  std::shared_ptr<LogLines> log = std::make_shared<LogLines>();
  Isolation isolation = Isolation::in_process;

  std::string version = next_version();

  Setup() {
    fs::copy_file(kHostilePluginDir / kMarksLoad, plugins / kMarksLoad);
    rewrite_in_place(plugins / kMarksLoad, "0.0.1", version);
  }
  static std::string next_version() {
    static int count = 100;
    return "1." + std::to_string(++count);
  }

  HostOptions options() const {
    HostOptions o;
    o.plugin_directories = {plugins};
    o.use_environment_path = false;
    o.use_installed_plugins = false;
    o.config.isolation = isolation;
    o.config.metadata_cache = cache;
    auto lines = log;
    o.log = [lines](LogLevel, std::string_view source, std::string_view message) {
      std::lock_guard lock(lines->mutex);
      lines->lines.push_back(std::string(source) + ": " + std::string(message));
    };
    return o;
  }
  // A host whose discovery ran variant-marks-load's code (or found it in the cache).
  std::unique_ptr<Host> host() const { return std::make_unique<Host>(options()); }
};

json::value read_json(const fs::path& file) { return json::parse(read_file(file)); }
void write_json(const fs::path& file, const json::value& value) { std::ofstream(file) << json::serialize(value); }

// The cache's entry for `file`.
json::object& entry_of(json::value& cache, const fs::path& file) {
  return cache.at("plugins").as_object().at(file.string()).as_object();
}

std::string rejection_of(const Host& host, const fs::path& file) {
  for (const auto& r : host.rejections()) {
    if (r.path == file) return r.reason;
  }
  return "not rejected";
}

}  // namespace

TEST_CASE("a warm start lists a plugin without running its code, and runs it at first use") {
  Setup setup;
  // Discovered cold in another process, so that this one has never loaded the library.
  fs::path config = new_directory("cache-config") / "host.json";
  std::ofstream(config) << "{\"metadataCache\": \"" << setup.cache.string() << "\"}";
  ProcessResult cold = run_destkit({"plugins", "--plugin-path", setup.plugins.string(), "--config", config.string(),
                                    "--isolation", "in-process"});
  REQUIRE(cold.exit_code == 0);
  REQUIRE(fs::exists(setup.cache));
  ::unsetenv(kCodeRan);
  auto warm = setup.host();
  const Plugin* plugin = warm->find("variant");
  REQUIRE(plugin != nullptr);
  CHECK(plugin->version() == setup.version);
  CHECK(plugin->definition().name == "Variant");
  CHECK_FALSE(code_ran());
  AuthVerdict verdict = warm->test_authentication(*plugin, "{}");
  CHECK(verdict.outcome == AuthOutcome::unchecked);
  CHECK(code_ran());
  CHECK(setup.log->all().empty());
}

TEST_CASE("a warm isolated start starts no runner until a plugin is first used") {
  Setup setup;
  setup.isolation = Isolation::process;
  { auto cold = setup.host(); }
  int before = child_processes();
  auto warm = setup.host();
  const Plugin* plugin = warm->find("variant");
  REQUIRE(plugin != nullptr);
  CHECK(child_processes() == before);
  CHECK(warm->test_authentication(*plugin, "{}").outcome == AuthOutcome::unchecked);
  CHECK(child_processes() > before);
}

TEST_CASE("a file rewritten with the same size and modification time is discovered again") {
  Setup setup;
  { auto cold = setup.host(); }
  rewrite_in_place(setup.plugins / kMarksLoad, setup.version, "2.000");
  ::unsetenv(kCodeRan);
  auto warm = setup.host();
  REQUIRE(warm->find("variant") != nullptr);
  CHECK(warm->find("variant")->version() == "2.000");
  CHECK(code_ran());
}

TEST_CASE("a file that changes after a warm start is refused at first use, before its code runs") {
  Setup setup;
  { auto cold = setup.host(); }
  auto warm = setup.host();
  const Plugin* plugin = warm->find("variant");
  REQUIRE(plugin != nullptr);
  rewrite_in_place(setup.plugins / kMarksLoad, setup.version, "2.000");
  ::unsetenv(kCodeRan);
  AuthVerdict verdict = warm->test_authentication(*plugin, "{}");
  CHECK(verdict.outcome == AuthOutcome::plugin_failed);
  CHECK_THAT(verdict.message, Catch::Contains("the file changed since the host listed it"));
  CHECK_FALSE(code_ran());
  // Listed as what it is now: a plugin whose calls fail until the plugins are rescanned.
  CHECK_THAT(warm->quarantine_reason(*plugin), Catch::Contains("the file changed since the host listed it"));
  RescanReport report = warm->rescan();
  REQUIRE(report.changed.size() == 1);
  CHECK(report.changed[0].path == setup.plugins / kMarksLoad);
  CHECK(report.released == std::vector<const Plugin*>{plugin});
  CHECK(warm->quarantine_reason(*plugin).empty());
}

TEST_CASE("a permission refusal at first use is not kept: once the directory is put right, the next use loads the plugin") {
  Setup setup;
  { auto cold = setup.host(); }
  auto warm = setup.host();
  const Plugin* plugin = warm->find("variant");
  REQUIRE(plugin != nullptr);
  auto mode = fs::status(setup.plugins).permissions();
  fs::permissions(setup.plugins, fs::perms::all);
  AuthVerdict refused = warm->test_authentication(*plugin, "{}");
  CHECK(refused.outcome == AuthOutcome::plugin_failed);
  CHECK_THAT(refused.message, Catch::Contains("can be written by any user (mode 0777)"));
  CHECK(warm->quarantine_reason(*plugin).empty());
  fs::permissions(setup.plugins, mode);
  AuthVerdict loaded = warm->test_authentication(*plugin, "{}");
  INFO(loaded.message);
  CHECK(loaded.outcome == AuthOutcome::unchecked);
}

TEST_CASE("a cache that fails a check, is damaged or comes from elsewhere is ignored, said so, and written anew") {
  struct Damage {
    std::string name;
    std::function<void(const fs::path& cache)> apply;
    std::string logged;
  };
  // Each cache below also claims a version the file does not have: it must not be believed.
  auto forge = [](const fs::path& cache, const fs::path& file) {
    json::value v = read_json(cache);
    entry_of(v, file).at("plugin").as_object()["version"] = "6.6.6";
    write_json(cache, v);
  };
  std::vector<Damage> damages{
      {"world-writable", [](const fs::path& c) { fs::permissions(c, fs::perms(0666)); }, "is not trusted (the file can be written by any user"},
      {"directory world-writable", [](const fs::path& c) { fs::permissions(c.parent_path(), fs::perms(0777)); },
       "can be written by any user"},
      {"corrupt", [](const fs::path& c) { std::ofstream(c) << "{\"format\": 1, not json"; }, "is not valid JSON"},
      {"truncated", [](const fs::path& c) { fs::resize_file(c, fs::file_size(c) / 2); }, "is not valid JSON"},
      {"another format",
       [](const fs::path& c) {
         json::value v = read_json(c);
         v.as_object()["format"] = 2;
         write_json(c, v);
       },
       "is not in format 1"},
      {"another destkit",
       [](const fs::path& c) {
         json::value v = read_json(c);
         v.as_object()["destkit"] = "0.0.0-elsewhere";
         write_json(c, v);
       },
       "was written by destkit 0.0.0-elsewhere"},
      {"a damaged entry",
       [](const fs::path& c) {
         json::value v = read_json(c);
         for (auto& [file, entry] : v.at("plugins").as_object()) entry.as_object()["inode"] = "not a number";
         write_json(c, v);
       },
       "is damaged: \"inode\" is not a whole number in range"},
  };
  if (::geteuid() == 0) {
    damages.push_back({"another owner", [](const fs::path& c) { REQUIRE(::chown(c.c_str(), 65534, 0) == 0); },
                       "is not trusted (the file belongs to user 65534"});
    damages.push_back({"group-writable by another group",
                       [](const fs::path& c) {
                         REQUIRE(::chown(c.c_str(), 0, 65534) == 0);
                         fs::permissions(c, fs::perms(0660));
                       },
                       "is not trusted (the file can be written by group 65534"});
  }
  for (const auto& damage : damages) {
    DYNAMIC_SECTION(damage.name) {
      Setup setup;
      { auto cold = setup.host(); }
      forge(setup.cache, setup.plugins / kMarksLoad);
      damage.apply(setup.cache);
      auto warm = setup.host();
      REQUIRE(warm->find("variant") != nullptr);
      CHECK(warm->find("variant")->version() == setup.version);
      CHECK_THAT(setup.log->all(), Catch::Contains("the plugin metadata cache " + setup.cache.string()) &&
                                       Catch::Contains(damage.logged) &&
                                       Catch::Contains("it is ignored and written anew"));
      if (damage.name == "directory world-writable") {
        // Nor is a cache written there.
        CHECK_THAT(setup.log->all(), Catch::Contains("cannot write the plugin metadata cache"));
      } else {
        // Written anew: the next start reads it without a word.
        setup.log->lines.clear();
        auto again = setup.host();
        REQUIRE(again->find("variant") != nullptr);
        CHECK(again->find("variant")->version() == setup.version);
        CHECK(setup.log->all().empty());
      }
    }
  }
}

TEST_CASE("with pins required, a changed file is caught by its SHA-256 even when the cache vouches for its identity") {
  Setup setup;
  fs::path file = setup.plugins / kMarksLoad;
  HostOptions options = setup.options();
  options.config.plugins.require_pins = true;
  options.config.plugins.sha256_pins[kMarksLoad] = sha256_hex(read_file(file));
  { Host cold(options); REQUIRE(cold.find("variant") != nullptr); }

  rewrite_in_place(file, setup.version, "2.000");
  // The cache now names the changed file's identity, as if its stat could be forged.
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  json::value v = read_json(setup.cache);
  json::object& entry = entry_of(v, file);
  entry["inode"] = std::uint64_t(st.st_ino);
  entry["size"] = std::uint64_t(st.st_size);
  entry["modifiedNs"] = std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  entry["changedNs"] = std::int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  write_json(setup.cache, v);

  ::unsetenv(kCodeRan);
  Host warm(options);
  CHECK(warm.find("variant") == nullptr);
  CHECK_THAT(rejection_of(warm, file), Catch::Contains("its SHA-256 is") && Catch::Contains("not the pinned"));
  CHECK_FALSE(code_ran());
}

TEST_CASE("a plugin rejected cold is rejected warm with the same reason, without its code running again") {
  Setup setup;
  for (const char* name : {"destkit-variant-refuses.so", "destkit-variant-not-json.so", "destkit-no-entry.so"}) {
    fs::copy_file(kTestPluginDir / name, setup.plugins / name);
  }
  auto cold = setup.host();
  auto warm = setup.host();
  REQUIRE(cold->rejections().size() == 3);
  REQUIRE(warm->rejections().size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(warm->rejections()[i].path == cold->rejections()[i].path);
    CHECK(warm->rejections()[i].reason == cold->rejections()[i].reason);
  }
  // The refusing plugin logs from its entry point: once, cold.
  std::string log = setup.log->all();
  auto first = log.find("this plugin refuses every host");
  CHECK(first != std::string::npos);
  CHECK(log.find("this plugin refuses every host", first + 1) == std::string::npos);
}

TEST_CASE("a library the system would not load is not kept as rejected: the next start tries it again") {
  Setup setup;
  fs::copy_file(kHostilePluginDir / "destkit-variant-needs-neighbour.so", setup.plugins / "destkit-needs-neighbour.so");
  auto host = setup.host();
  CHECK_THAT(rejection_of(*host, setup.plugins / "destkit-needs-neighbour.so"),
             Catch::Contains("libdestkit-test-neighbour.so: cannot open shared object file"));
  std::string kept = read_file(setup.cache);
  CHECK_THAT(kept, Catch::Contains(kMarksLoad));
  CHECK_THAT(kept, !Catch::Contains("destkit-needs-neighbour.so"));
}

TEST_CASE("a metadata cache path that is not absolute is refused with a warning, and no cache is written") {
  Setup setup;
  HostOptions options = setup.options();
  options.config.metadata_cache = "relative-plugin-metadata.json";
  Host host(std::move(options));
  CHECK(host.find("variant") != nullptr);
  CHECK_THAT(setup.log->all(), Catch::Contains("the plugin metadata cache relative-plugin-metadata.json is not an "
                                               "absolute path: no cache is used"));
  CHECK_FALSE(fs::exists("relative-plugin-metadata.json"));
}

TEST_CASE("a metadata cache below a link in a directory others can change is neither read nor written") {
  Setup setup;
  fs::path target = new_directory("cache-target");
  fs::path open_dir = new_directory("cache-open");
  fs::create_symlink(target, open_dir / "place");
  fs::permissions(open_dir, fs::perms::all);
  HostOptions options = setup.options();
  options.config.metadata_cache = open_dir / "place" / "sub" / "plugin-metadata.json";
  Host host(std::move(options));
  CHECK(host.find("variant") != nullptr);
  CHECK_THAT(setup.log->all(), Catch::Contains("cannot write the plugin metadata cache") &&
                                   Catch::Contains("the symbolic link " + (open_dir / "place").string() +
                                                   " on its way is in a directory another user can change"));
  CHECK(fs::is_empty(target));  // nothing made where the link leads
}

TEST_CASE("a warm host's rescan adds new files, reports changed ones, and tries rejected ones again") {
  Setup setup;
  { auto cold = setup.host(); }
  auto warm = setup.host();
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", setup.plugins / "destkit-test-probe.so");
  fs::copy_file(kTestPluginDir / "destkit-no-entry.so", setup.plugins / "destkit-no-entry.so");
  RescanReport report = warm->rescan();
  REQUIRE(report.added.size() == 1);
  CHECK(report.added[0]->slug() == "test-probe");
  REQUIRE(report.rejected.size() == 1);
  CHECK(report.changed.empty());

  rewrite_in_place(setup.plugins / kMarksLoad, setup.version, "2.000");
  report = warm->rescan();
  CHECK(report.added.empty());
  REQUIRE(report.changed.size() == 1);
  CHECK(report.changed[0].path == setup.plugins / kMarksLoad);

  // The next host finds what the rescan learned in the cache.
  ::unsetenv(kCodeRan);
  auto next = setup.host();
  CHECK(next->find("test-probe") != nullptr);
  CHECK(next->find("variant")->version() == "2.000");
}

TEST_CASE("a plugin listed from the cache is quarantined when its runner keeps crashing, and a rescan releases it") {
  Setup setup;
  setup.isolation = Isolation::process;
  const std::string slug = "faulty-segfault-test";
  fs::copy_file(kTestPluginDir / "faulty" / slug / ("destkit-" + slug + ".so"), setup.plugins / ("destkit-" + slug + ".so"));
  HostOptions options = setup.options();
  options.config.runner.crashes_before_quarantine = 2;
  options.config.runner.restart_backoff = std::chrono::milliseconds(1);
  { Host cold(options); REQUIRE(cold.find(slug) != nullptr); }
  Host warm(options);
  const Plugin* plugin = warm.find(slug);
  REQUIRE(plugin != nullptr);
  CHECK_THAT(warm.test_authentication(*plugin, "{}").message, Catch::Contains("crashed (SIGSEGV) during testRequest"));
  warm.test_authentication(*plugin, "{}");
  CHECK_FALSE(warm.quarantine_reason(*plugin).empty());
  RescanReport report = warm.rescan();
  REQUIRE(report.released.size() == 1);
  CHECK(report.released[0] == plugin);
  CHECK(warm.quarantine_reason(*plugin).empty());
}

TEST_CASE("metadataCache in the configuration is an absolute file path or false") {
  auto named = parse_host_config(R"({"metadataCache":"/var/cache/destkit/plugins.json"})", "test");
  REQUIRE(named.ok());
  CHECK(named->metadata_cache == fs::path("/var/cache/destkit/plugins.json"));
  auto off = parse_host_config(R"({"metadataCache":false})", "test");
  REQUIRE(off.ok());
  CHECK(off->metadata_cache == fs::path());
  auto unset = parse_host_config("{}", "test");
  REQUIRE(unset.ok());
  CHECK_FALSE(unset->metadata_cache.has_value());
  for (const char* wrong : {R"({"metadataCache":"relative.json"})", R"({"metadataCache":true})",
                            R"({"metadataCache":"/var/cache/"})"}) {
    auto parsed = parse_host_config(wrong, "test");
    CHECK_THAT(parsed.status().message(), Catch::Contains("metadataCache: must be the absolute path of a file, or false"));
  }
}

TEST_CASE("a warm start checks the permissions of the file and its directories, and refuses as a cold one does") {
  Setup setup;
  { auto cold = setup.host(); }
  fs::path file = setup.plugins / kMarksLoad;
  for (const auto& [what, path, mode] : {std::tuple{"file", file, 0666}, std::tuple{"directory", setup.plugins, 0777}}) {
    DYNAMIC_SECTION(what) {
      fs::permissions(path, fs::perms(mode));
      auto warm = setup.host();
      HostOptions uncached = setup.options();
      uncached.config.metadata_cache = fs::path();
      Host cold(uncached);
      CHECK(warm->find("variant") == nullptr);
      CHECK_THAT(rejection_of(*warm, file), Catch::Contains("can be written by any user"));
      CHECK(rejection_of(*warm, file) == rejection_of(cold, file));
    }
  }
}

TEST_CASE("a warm isolated host discovers a new or changed file in a runner, never in the host") {
  Setup setup;
  setup.isolation = Isolation::process;
  { auto cold = setup.host(); }
  rewrite_in_place(setup.plugins / kMarksLoad, setup.version, "2.000");
  const std::string crasher = "destkit-faulty-segfault-entry.so";
  fs::copy_file(kTestPluginDir / "faulty" / "faulty-segfault-entry" / crasher, setup.plugins / crasher);
  ::unsetenv(kCodeRan);
  auto warm = setup.host();
  REQUIRE(warm->find("variant") != nullptr);
  CHECK(warm->find("variant")->version() == "2.000");
  CHECK_THAT(rejection_of(*warm, setup.plugins / crasher), Catch::Contains("crashed (SIGSEGV) while loading"));
  CHECK_FALSE(code_ran());
}

TEST_CASE("with signatures required, a cached verdict holds only for the same bytes, signature and trusted keys") {
  Setup setup;
  fs::path file = setup.plugins / kMarksLoad;
  fs::path signature = file.string() + ".sig";
  auto [partner_key, partner_pub] = ed25519_key_pair("partner");
  auto [other_key, other_pub] = ed25519_key_pair("other");
  auto sign = [&file](const fs::path& key) {
    REQUIRE(run_destkit({"sign", file.string(), "--key", key.string()}).exit_code == 0);
  };
  // What a host trusting `pub` makes of the plugin: "listed", or why it is refused.
  auto verdict = [&setup, &file](const fs::path& pub) {
    HostOptions options = setup.options();
    options.config.plugins.require_signatures = true;
    options.config.plugins.trusted_keys = {read_file(pub)};
    Host host(options);
    return host.find("variant") != nullptr ? std::string("listed") : rejection_of(host, file);
  };
  sign(partner_key);
  CHECK(verdict(partner_pub) == "listed");
  CHECK(verdict(partner_pub) == "listed");
  sign(other_key);
  CHECK_THAT(verdict(partner_pub), Catch::Contains("its signature does not verify with any trusted key"));
  sign(partner_key);
  CHECK(verdict(partner_pub) == "listed");
  CHECK_THAT(verdict(other_pub), Catch::Contains("its signature does not verify with any trusted key"));
  CHECK(verdict(partner_pub) == "listed");
  fs::remove(signature);
  CHECK_THAT(verdict(partner_pub), Catch::Contains("has no signature"));
}

TEST_CASE(
    "a plugin whose code describes it otherwise than its cache entry fails its calls, and the next start "
    "lists it from its code") {
  Setup setup;
  { auto cold = setup.host(); }
  json::value v = read_json(setup.cache);
  entry_of(v, setup.plugins / kMarksLoad).at("plugin").as_object()["version"] = "6.6.6";
  write_json(setup.cache, v);
  {
    auto warm = setup.host();
    const Plugin* plugin = warm->find("variant");
    REQUIRE(plugin != nullptr);
    CHECK(plugin->version() == "6.6.6");
    AuthVerdict verdict = warm->test_authentication(*plugin, "{}");
    CHECK(verdict.outcome == AuthOutcome::plugin_failed);
    CHECK_THAT(verdict.message, Catch::Contains("it describes itself differently from when the host listed it") &&
                                    Catch::Contains("restart the host to list it again"));
  }
  auto restarted = setup.host();
  const Plugin* plugin = restarted->find("variant");
  REQUIRE(plugin != nullptr);
  CHECK(plugin->version() != "6.6.6");
  CHECK(restarted->test_authentication(*plugin, "{}").outcome != AuthOutcome::plugin_failed);
}

TEST_CASE("a rejection because no runner could be started is not kept: the next start tries the file again", "[own-isolation]") {
  Setup setup;
  // A copy of the destkit program finds no runner next to it (it looks in ../libexec/destkit).
  fs::path elsewhere = new_directory("no-runner-here") / "bin";
  fs::create_directories(elsewhere);
  fs::copy_file(kDestkitCli, elsewhere / "destkit");
  fs::path config = setup.cache.parent_path().parent_path() / "config.json";
  std::ofstream(config) << boost::json::serialize(
      boost::json::object{{"isolation", "process"}, {"metadataCache", setup.cache.string()}});
  auto listing = [&](const fs::path& program) {
    ProcessResult r = run_process({program.string(), "plugins", "--json", "--config", config.string(), "--plugin-path",
                                   setup.plugins.string()});
    REQUIRE(r.exit_code == 0);
    return boost::json::parse(r.out);
  };

  std::string reasons = boost::json::serialize(listing(elsewhere / "destkit").at("rejected"));
  CHECK_THAT(reasons, Catch::Contains(kMarksLoad) && Catch::Contains("its runner cannot start"));
  std::string slugs = boost::json::serialize(listing(kDestkitCli).at("plugins"));
  CHECK_THAT(slugs, Catch::Contains("\"slug\":\"variant\""));
}
