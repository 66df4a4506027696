#include "environment.hpp"

#include "util/read_file.hpp"

#include <algorithm>
#include <cstdlib>

#include <boost/asio/ip/tcp.hpp>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace destkit::test {

namespace fs = std::filesystem;

std::string test_isolation() {
  const char* isolation = std::getenv("DESTKIT_TEST_ISOLATION");
  return isolation != nullptr && std::string_view(isolation) == "process" ? "process" : "in-process";
}

host::HostConfig test_host_config() {
  host::HostConfig config;
  config.isolation = test_isolation() == "process" ? host::Isolation::process : host::Isolation::in_process;
  return config;
}

ProcessResult run_destkit(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{kDestkitCli.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  bool chosen = std::find(args.begin(), args.end(), "--isolation") != args.end();
  if (!chosen && test_isolation() == "process") {
    argv.push_back("--isolation");
    argv.push_back("process");
  }
  return run_process(argv, input);
}

long resident_kib(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string read_file(const fs::path& path) {
  return destkit::host::read_file(path, {.max_bytes = std::size_t{1} << 30}).text;  // tests' files are small
}

const fs::path& scratch_directory() {
  struct Scratch {
    fs::path path;
    Scratch() {
      std::string pattern = (fs::temp_directory_path() / "destkit-tests-XXXXXX").string();
      path = mkdtemp(pattern.data());
    }
    ~Scratch() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static Scratch scratch;
  return scratch.path;
}

fs::path new_directory(const std::string& name) {
  static int counter = 0;
  fs::path dir = scratch_directory() / (name + "-" + std::to_string(++counter));
  fs::create_directories(dir);
  return dir;
}

std::pair<fs::path, fs::path> ed25519_key_pair(const std::string& name) {
  fs::path dir = new_directory("keys");
  fs::path key = dir / (name + ".pem"), pub = dir / (name + ".pub");
  if (run_process({"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", key.string()}).exit_code != 0 ||
      run_process({"/usr/bin/openssl", "pkey", "-in", key.string(), "-pubout", "-out", pub.string()}).exit_code != 0) {
    throw std::runtime_error("openssl could not make an Ed25519 key pair");
  }
  return {key, pub};
}

const loopback::TlsFiles& test_certificate() {
  static const loopback::TlsFiles files = loopback::make_self_signed_certificate(
      new_directory("certificate").string(), {"example.com", "*.example.com"});
  return files;
}

std::vector<std::string> to_local(unsigned short port, bool trust_certificate) {
  std::vector<std::string> args;
  for (const char* host : {"example.com", "www.example.com", "acme.example.com", "other.example.com"}) {
    args.push_back("--connect-to");
    args.push_back(std::string(host) + ":443:127.0.0.1:" + std::to_string(port));
  }
  if (trust_certificate) {
    args.push_back("--cacert");
    args.push_back(test_certificate().certificate);
  }
  return args;
}

std::string origin_of(const loopback::Server& server, const char* scheme) {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(server.port());
}

unsigned short closed_port() {
  // Bind and release: the port was free a moment ago and nothing listens on it now.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

int child_processes() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream status(entry.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0 && std::atol(line.c_str() + 5) == ::getpid()) ++count;
    }
  }
  return count;
}

}  // namespace destkit::test
