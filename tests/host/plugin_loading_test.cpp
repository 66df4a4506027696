// Discovery and loading: good plugins load, every other file is rejected with its reason, and
// one bad file never stops the rest.
#include "environment.hpp"

#include <destkit/host/host.hpp>
#include "plugin/discovery.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

fs::path test_plugin(const std::string& name) { return kTestPluginDir / ("destkit-" + name + ".so"); }

void write_file(const fs::path& path, const std::string& content) { std::ofstream(path, std::ios::binary) << content; }

// The reason given for `file` in `destkit plugins --json`, or "" when it was not rejected.
std::string reason_for(const json::value& listing, const std::string& file) {
  for (const auto& r : listing.at("rejected").as_array()) {
    if (fs::path(std::string(r.at("path").as_string())).filename() == file) return std::string(r.at("reason").as_string());
  }
  return {};
}

std::vector<std::string> slugs(const json::value& listing) {
  std::vector<std::string> out;
  for (const auto& p : listing.at("plugins").as_array()) out.emplace_back(p.at("slug").as_string());
  return out;
}

// Each broken C plugin (tests/plugins/variant.c) and the reason the host gives for it.
const std::vector<std::pair<std::string, std::string>> kVariantReasons = {
    {"variant-bad-field-type",
     "its definition is invalid: $.authentication.fields.apiKey.type: \"strin\" is not a field type (expected "
     "one of string, text, number, integer, boolean, password, datetime, object)"},
    {"variant-other-major", "it was built for destkit ABI 2.x; this host speaks 1.2"},
    {"variant-newer-minor", "it needs a newer host: ABI 1.99 or later (this host speaks 1.2)"},
    {"variant-refuses", "its entry point returned NULL: the plugin refused to load"},
    {"variant-returns-garbage", "its descriptor does not start with the destkit magic number"},
    {"variant-wrong-magic", "its descriptor does not start with the destkit magic number"},
    {"variant-small-struct", "its descriptor is 40 bytes, smaller than the 56 bytes of ABI 1.0"},
    {"variant-null-definition", "its descriptor lacks a slug, a version or a definition"},
    {"variant-not-json", "its definition is invalid: $: not valid JSON: line 1, column 21: syntax error"},
    {"variant-deep-definition", "its definition is invalid: $: not valid JSON: line 1, column 65: nested deeper than 64 levels"},
    {"variant-huge-definition", "its descriptor's definition is not a NUL-terminated string of at most 1048576 bytes"},
    {"variant-unterminated-version", "its descriptor's version is not a NUL-terminated string of at most 256 bytes"},
    {"variant-no-slug", "its definition is invalid: $: the required key \"slug\" is missing"},
    {"variant-no-scheme", "its definition is invalid: $.authentication: the required key \"scheme\" is missing"},
    {"variant-unknown-scheme",
     "its definition is invalid: $.authentication.scheme: \"kerberos\" is not a scheme (expected one of basic, "
     "custom, oauth2, oauth-managed)"},
    {"variant-duplicate-fields",
     "its definition is invalid: $: not valid JSON: line 1, column 150: the key \"apiKey\" appears twice in the same object"},
    {"variant-wrong-field-types",
     "its definition is invalid: $.authentication.fields.apiKey.label: must be a string, not a number"},
    {"variant-required-unknown-type",
     "its definition is invalid: $.authentication.fields.apiKey.type: \"secret\" is not a field type (expected "
     "one of string, text, number, integer, boolean, password, datetime, object)"},
};

}  // namespace

TEST_CASE("the bundled plugins are discovered in the installed directory") {
  ProcessResult r = run_destkit({"plugins", "--json"});
  REQUIRE(r.exit_code == 0);
  json::value listing = json::parse(r.out);
  CHECK(slugs(listing) == std::vector<std::string>{"example-basic-json", "example-basic", "example-c",
                                                   "example-custom-json", "example-custom", "example-datacenter",
                                                   "example-oauth-managed-json", "example-oauth-managed",
                                                   "example-oauth2-json", "example-oauth2", "example-rust"});
  CHECK(listing.at("rejected").as_array().empty());
  json::value first = listing.at("plugins").at(0);
  CHECK(first.at("scheme") == "basic");
  CHECK(first.at("version") == "1.0.0");
  CHECK(fs::path(std::string(first.at("path").as_string())).parent_path() == fs::canonical(kBundledPluginDir));
}

TEST_CASE("broken files are each rejected with their reason while good plugins still load") {
  fs::path dir = new_directory("corpus");
  write_file(dir / "destkit-not-elf.so", "#!/bin/sh\necho hello\n");
  write_file(dir / "destkit-empty.so", "");
  fs::copy_file(test_plugin("test-probe"), dir / "destkit-truncated.so");
  fs::resize_file(dir / "destkit-truncated.so", 200);
  fs::create_directory(dir / "destkit-directory.so");
  fs::create_symlink("destkit-loop-b.so", dir / "destkit-loop-a.so");
  fs::create_symlink("destkit-loop-a.so", dir / "destkit-loop-b.so");
  for (const auto& [name, _] : kVariantReasons) {
    fs::copy_file(test_plugin(name), dir / ("destkit-" + name + ".so"));
  }
  fs::copy_file(test_plugin("no-entry"), dir / "destkit-no-entry.so");
  fs::copy_file(test_plugin("undefined-symbol"), dir / "destkit-undefined-symbol.so");
  fs::copy_file(test_plugin("test-probe"), dir / "destkit-test-probe.so");
  write_file(dir / "README.txt", "not a plugin name: ignored");

  ProcessResult r = run_destkit({"plugins", "--json", "--plugin-path", dir.string()});
  REQUIRE(r.exit_code == 0);
  json::value listing = json::parse(r.out);
  CHECK(slugs(listing) == std::vector<std::string>{"test-probe", "example-basic-json", "example-basic", "example-c",
                                                   "example-custom-json", "example-custom", "example-datacenter",
                                                   "example-oauth-managed-json", "example-oauth-managed",
                                                   "example-oauth2-json", "example-oauth2", "example-rust"});
  CHECK(reason_for(listing, "destkit-not-elf.so") == "is not a shared library (not an ELF file)");
  CHECK(reason_for(listing, "destkit-empty.so") == "is empty");
  CHECK(reason_for(listing, "destkit-truncated.so").find("is not a valid ELF shared library") == 0);
  CHECK(reason_for(listing, "destkit-directory.so") == "is a directory, not a plugin file");
  CHECK(reason_for(listing, "destkit-loop-a.so").find("cannot be read") == 0);
  CHECK(reason_for(listing, "destkit-no-entry.so") == "does not export dk_plugin_entry: not a destkit plugin");
  // The loader's own message names the file, never the in-memory copy it was loaded from.
  std::string undefined = reason_for(listing, "destkit-undefined-symbol.so");
  CHECK(undefined.find("could not be loaded") == 0);
  CHECK(undefined.find((dir / "destkit-undefined-symbol.so").string() + ": undefined symbol: destkit_test_missing") !=
        std::string::npos);
  CHECK(undefined.find("/proc/self/fd") == std::string::npos);
  for (const auto& [name, reason] : kVariantReasons) {
    INFO(name);
    CHECK(reason_for(listing, "destkit-" + name + ".so") == reason);
  }
  CHECK(r.err.find("this plugin refuses every host") != std::string::npos);
  CHECK(reason_for(listing, "README.txt").empty());
  CHECK(listing.at("rejected").as_array().size() == 8 + kVariantReasons.size());
}

TEST_CASE("a second plugin with a slug already taken is rejected naming both files") {
  fs::path dir = new_directory("duplicate");
  fs::copy_file(test_plugin("variant-duplicate-slug"), dir / "destkit-impostor.so");
  ProcessResult r = run_destkit({"plugins", "--json", "--plugin-path", dir.string()});
  json::value listing = json::parse(r.out);
  CHECK(listing.at("plugins").at(0).at("name") == "Variant");
  CHECK(reason_for(listing, "destkit-example-basic.so") ==
        "its slug \"example-basic\" is already taken by " + (dir / "destkit-impostor.so").string());
}

// The sanitizers' allocators keep freed memory on purpose: this is built without them only.
#ifndef DESTKIT_SANITIZED
TEST_CASE("rescans that try a rejected manifest again and again keep nothing of it") {
  fs::path dir = new_directory("rescanned-duplicates");
  fs::copy_file(kBundledPluginDir / "destkit-example-custom-json.json", dir / "destkit-first.json");
  fs::copy_file(kBundledPluginDir / "destkit-example-custom-json.json", dir / "destkit-second.json");
  destkit::host::Host host(
      {.plugin_directories = {dir}, .use_environment_path = false, .use_installed_plugins = false});
  REQUIRE(host.rejections().size() == 1);
  for (int i = 0; i < 200; ++i) host.rescan();  // what the allocator keeps at hand
  long before = resident_kib();
  for (int i = 0; i < 3000; ++i) CHECK(host.rescan().rejected.size() == 1);
  long grown = resident_kib() - before;
  INFO("grown by " << grown << " KiB");
  CHECK(grown < 2 * 1024);  // each manifest kept: about 20 MiB
}
#endif

TEST_CASE("plugin directories come from --plugin-path, then DESTKIT_PLUGIN_PATH, then the installed one") {
  fs::path a = new_directory("path-a"), b = new_directory("path-b");
  setenv("DESTKIT_PLUGIN_PATH", (b.string() + "::" + a.string()).c_str(), 1);
  auto path = destkit::host::plugin_search_path({.explicit_directories = {a}});
  unsetenv("DESTKIT_PLUGIN_PATH");
  REQUIRE(path.size() == 3);
  CHECK(path[0] == a);
  CHECK(path[1] == b);
  CHECK(path[2] == destkit::host::installed_plugin_directory());
}

TEST_CASE("a plugin directory that cannot be searched is a warning naming it, and the rest still load") {
  fs::path not_a_directory = new_directory("not-a-plugin-directory") / "file";
  write_file(not_a_directory, "x");
  ProcessResult listed = run_destkit({"plugins", "--json", "--plugin-path", "/no/such/plugin/dir", "--plugin-path",
                                      not_a_directory.string()});
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.err, Catch::Contains("the plugin directory /no/such/plugin/dir cannot be searched (No such file "
                                         "or directory)"));
  CHECK_THAT(listed.err, Catch::Contains("the plugin directory " + not_a_directory.string() +
                                         " cannot be searched (Not a directory)"));
  CHECK_THAT(slugs(json::parse(listed.out)), Catch::VectorContains(std::string("example-basic")));
}

TEST_CASE("check validates one binary as partner CI would") {
  ProcessResult ok = run_destkit({"check", (kBundledPluginDir / "destkit-example-custom.so").string()});
  CHECK(ok.out.find("is a valid destkit plugin: example-custom 1.0.0 (Example Custom), ABI 1.2, scheme custom, 2 field(s)") !=
        std::string::npos);
  CHECK(ok.exit_code == 0);

  ProcessResult rejected = run_destkit({"check", test_plugin("variant-other-major").string(), "--json"});
  CHECK(json::parse(rejected.out).at("error") == "it was built for destkit ABI 2.x; this host speaks 1.2");
  CHECK(rejected.exit_code == 1);

  CHECK(run_destkit({"check", "/no/such/plugin.so"}).exit_code == 1);
  CHECK(run_destkit({"check"}).exit_code == 2);
}

TEST_CASE("check_plugin_file tells a path with nothing there from a file that is not a plugin") {
  destkit::host::HostOptions options;
  auto missing = destkit::host::Host::check_plugin_file("/no/such/plugin.so", options);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == destkit::host::Status::Code::not_found);
  fs::path dangling = new_directory("dangling-link") / "destkit-gone.so";
  fs::create_symlink("/no/such/plugin.so", dangling);
  CHECK(destkit::host::Host::check_plugin_file(dangling, options).status().code() ==
        destkit::host::Status::Code::not_found);
  auto other_major = destkit::host::Host::check_plugin_file(test_plugin("variant-other-major"), options);
  REQUIRE_FALSE(other_major.ok());
  CHECK(other_major.status().code() == destkit::host::Status::Code::rejected);
}

TEST_CASE("describe shows fields with types, required and secret flags, defaults and patterns") {
  ProcessResult r = run_destkit({"describe", "test-probe", "--json", "--plugin-path", kTestPluginDir.string()});
  REQUIRE(r.exit_code == 0);
  json::value d = json::parse(r.out);
  CHECK(d.at("scheme") == "custom");
  CHECK(d.at("testRequest") == true);
  const auto& fields = d.at("fields").as_array();
  REQUIRE(fields.size() == 8);
  CHECK(fields[1].at("key") == "token");
  CHECK(fields[1].at("secret") == true);
  CHECK(fields[1].at("required") == true);
  CHECK(fields[2].at("default") == "plain");
  CHECK(fields[3].at("maximum") == 10);  // written as the shortest decimal: 10, not 1E1
  CHECK(fields[7].at("key") == "accountId");
  CHECK(fields[7].at("pattern") == "[0-9]{6}");

  ProcessResult basic = run_destkit({"describe", "example-basic"});
  CHECK(basic.out.find("  username  Username  (string, required)\n  password  Password  (password, required, secret)") !=
        std::string::npos);
  CHECK(run_destkit({"describe", "no-such-slug"}).exit_code == 3);
}

TEST_CASE("a plugin built against the frozen v1.0 header loads into this host") {
  ProcessResult r = run_destkit({"check", test_plugin("frozen-v1-0").string(), "--json"});
  REQUIRE(r.exit_code == 0);
  json::value d = json::parse(r.out);
  CHECK(d.at("slug") == "frozen-v1-0");
  CHECK(d.at("abi") == "1.0");
  CHECK(d.at("fields").at(0).at("secret") == true);
}

TEST_CASE("a plugin indexed by a System V hash table loads, and a library whose entry point is hidden is refused") {
  fs::path dir = new_directory("elf-symbols");
  fs::copy_file(kTestPluginDir / "elf-symbols" / "destkit-sysv-hash.so", dir / "destkit-sysv-hash.so");
  fs::copy_file(kTestPluginDir / "elf-symbols" / "destkit-hidden-entry.so", dir / "destkit-hidden-entry.so");

  ProcessResult r = run_destkit({"plugins", "--json", "--plugin-path", dir.string()});
  REQUIRE(r.exit_code == 0);
  json::value listing = json::parse(r.out);
  std::vector<std::string> loaded = slugs(listing);
  CHECK(std::find(loaded.begin(), loaded.end(), "variant") != loaded.end());
  CHECK(reason_for(listing, "destkit-hidden-entry.so") == "does not export dk_plugin_entry: not a destkit plugin");
}
