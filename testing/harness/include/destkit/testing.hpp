// destkit/testing.hpp — test a destination plugin from your own unit tests, in-process.
//
// A Harness loads one plugin file (destkit-NAME.so, or a declarative destkit-NAME.json) into a
// destkit host inside the test process, and sends every request the plugin makes, to any host
// name and port, to a local HTTPS API on 127.0.0.1 that records what it receives and answers
// as the test says. The destination keeps its real URLs: the local API presents a certificate
// for whichever name a request is for, signed by a CA that only this harness's host trusts.
//
// It works with any test framework: it reports through return values, and only the
// constructor and extend_request throw (std::runtime_error, saying why). Link the CMake target
// destkit::testing, or use `pkg-config --cflags --libs destkit-testing`.
//
// Limits: the local API speaks HTTPS only, so a destination whose URLs are http:// gets
// "did not send a valid HTTP answer" (test such a plugin against a server of your own with
// `destkit test-auth --connect-to`); a URL whose host is an IP address other than 127.0.0.1
// fails its TLS handshake (the local API cannot present a certificate for it); each request is answered at once,
// with no delay; the plugin's OAuth tokens come only from the settings ({"oauth":
// {"access_token": "..."}}), never from a token store.
#pragma once

#include <destkit/host/extension.hpp>
#include <destkit/host/verdict.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace destkit::testing {

using NameValueList = std::vector<std::pair<std::string, std::string>>;

// One request the local API received, as it came over the wire, credentials included.
struct ReceivedRequest {
  std::string method{};
  std::string host{};   // the Host header: the name (and port, when not 443) the plugin asked for
  std::string path{};   // without the query
  std::string query{};  // as sent, without the '?'
  NameValueList headers{};
  std::string body{};

  // The value of a header (name case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
  // The value of a query parameter, percent-decoded; empty when absent.
  std::string query_value(std::string_view name) const;
};

// How the local API answers a request.
struct Answer {
  int status = 200;
  NameValueList headers{{"Content-Type", "application/json"}};
  std::string body = "{}";
};

class Harness {
 public:
  // Loads `plugin_file` with the host's own checks (trust, ABI, definition). Throws
  // std::runtime_error with the host's reason when the file is not a usable plugin.
  explicit Harness(const std::filesystem::path& plugin_file);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Every later request is answered by `answer` (by default: 200 {}). It runs on a thread of
  // the local API.
  void answer_with(std::function<Answer(const ReceivedRequest&)> answer);
  void answer_with(Answer answer);

  // The options extendRequest produces from these settings (JSON text), as the plugin set
  // them. Throws std::runtime_error with the host's message when the settings are invalid or
  // extendRequest fails.
  host::RequestExtension extend_request(std::string_view settings_json) const;

  // What `destkit test-auth` does: validates the settings, runs extendRequest, then
  // testRequest against the local API. The verdict's message is the one the CLI prints.
  host::AuthVerdict test_request(std::string_view settings_json) const;

  // What `destkit test-auth --dry-run` does: testRequest's requests, recorded and not sent.
  host::DryRun dry_run(std::string_view settings_json) const;

  // The requests the local API received, oldest first.
  std::vector<ReceivedRequest> requests() const;
  void clear_requests();

  // The plugin's log lines, secrets redacted, as "LEVEL: message" (LEVEL: debug, info, warn,
  // error), oldest first.
  std::vector<std::string> log() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace destkit::testing
