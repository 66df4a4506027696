// environment — where the tests find what the build made, and shared fixtures.
#pragma once

#include "loopback_server.hpp"
#include "process.hpp"

#include <destkit/host/config.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace destkit::test {

inline const std::filesystem::path kDestkitCli = DESTKIT_CLI;
inline const std::filesystem::path kBundledPluginDir = DESTKIT_BUNDLED_PLUGIN_DIR;
inline const std::filesystem::path kTestPluginDir = DESTKIT_TEST_PLUGIN_DIR;
// Plugins whose code reaches into the process that loads them; never loaded by the suite's own
// process unless a test means it.
inline const std::filesystem::path kHostilePluginDir = DESTKIT_HOSTILE_PLUGIN_DIR;

// The isolation the suite runs plugins with: "process" when DESTKIT_TEST_ISOLATION says so (the
// suite's second run), else in process; run_destkit passes it as --isolation.
std::string test_isolation();
// A host configuration with that isolation.
host::HostConfig test_host_config();

// Runs the destkit CLI with `args`, feeding `input` on standard input.
ProcessResult run_destkit(const std::vector<std::string>& args, const std::string& input = {});

// The resident memory of a process (this one by default), in KiB; -1 when it cannot be read.
long resident_kib(const std::string& pid = "self");

// The whole content of a file, as bytes.
std::string read_file(const std::filesystem::path& path);

// A directory for this test process, removed at exit.
const std::filesystem::path& scratch_directory();

// A fresh empty directory under the scratch directory.
std::filesystem::path new_directory(const std::string& name);

// An Ed25519 key pair made with openssl in a new directory: {private key, public key} (PEM).
// Throws when openssl fails.
std::pair<std::filesystem::path, std::filesystem::path> ed25519_key_pair(const std::string& name);

// One self-signed certificate for example.com, *.example.com and 127.0.0.1, made once.
const loopback::TlsFiles& test_certificate();

// --connect-to arguments sending example.com and its subdomains used by the tests to `port`,
// plus --cacert for the test certificate.
std::vector<std::string> to_local(unsigned short port, bool trust_certificate = true);

// SCHEME://127.0.0.1:PORT of a test server: its origin, to which a test appends a path.
std::string origin_of(const loopback::Server& server, const char* scheme = "http");

// A port on 127.0.0.1 where nothing listens.
unsigned short closed_port();

// The processes whose parent is this one: the runners of isolated plugins, among others.
int child_processes();

}  // namespace destkit::test
