// arguments — the destkit command line, parsed into one struct.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace destkit::cli {

struct Arguments {
  std::string command;  // plugins, describe, check, test-auth, help
  std::vector<std::string> positional;
  std::vector<std::string> plugin_paths;
  std::vector<std::string> connect_to;
  std::string cacert;
  std::string settings;  // file, or "-" for stdin
  std::optional<long long> timeout_ms;
  std::string config;      // --config, else DESTKIT_CONFIG
  std::string connection;  // --connection: which stored OAuth tokens
  std::string isolation;   // --isolation: process or in-process
  // oauth login
  bool no_browser = false;
  long long wait_seconds = 300;
  // init
  std::string scheme;
  std::string lang;
  std::string dir;
  // mock-api
  std::vector<std::string> accept;
  std::vector<std::string> accept_basic;
  std::vector<std::string> accept_query;
  std::vector<std::string> tls_names;
  std::string certificate_dir;
  std::string routes;
  std::string oauth_client;
  std::string record;
  bool record_secrets = false;
  long long port = 0;
  bool json = false;
  bool verbose = false;
  bool dry_run = false;  // test-auth
  bool insecure_plugin_permissions = false;
  // serve
  std::string listen = "127.0.0.1:8642";
  std::string token_file;
  long long workers = 64;
  long long max_connections = 1024;
  // sign, verify
  std::string key;
  std::vector<std::string> public_keys;
  bool help = false;
  bool version = false;
};

struct ParseResult {
  Arguments arguments;
  std::string error;  // a usage error, for exit code 2
};

ParseResult parse_arguments(int argc, char** argv);

}  // namespace destkit::cli
