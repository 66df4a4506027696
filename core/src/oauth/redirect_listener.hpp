// redirect_listener — the one-shot HTTP listener on 127.0.0.1 that receives the browser after
// sign-in (RFC 8252 7.3: loopback interface, port chosen by the system).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace destkit::host {

class RedirectListener {
 public:
  RedirectListener();  // throws std::runtime_error when no port can be opened
  ~RedirectListener();
  RedirectListener(const RedirectListener&) = delete;
  RedirectListener& operator=(const RedirectListener&) = delete;

  // http://127.0.0.1:PORT/callback
  std::string redirect_uri() const;

  // Waits for GET /callback?...&state=`state` and returns its query parameters. Connections are
  // read side by side, each given 5 s to send its request (at most 32 wait at once). Other paths
  // get 404, and a callback without that state (forged, or from an older sign-in) gets an
  // error page; the wait goes on after either. Nothing when `timeout` passes first.
  std::optional<std::map<std::string, std::string>> wait(const std::string& state, std::chrono::seconds timeout);

 private:
  int socket_ = -1;
  unsigned short port_ = 0;
};

}  // namespace destkit::host
