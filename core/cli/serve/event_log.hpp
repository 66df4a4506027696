// event_log — the service's log: one JSON object per line on stderr.
//
//   {"time":"2026-11-29T01:02:03.456Z","type":"access","method":"POST",
//    "route":"/v1/destinations/{slug}/test","status":200,"us":12500,...}
//   {"time":"...","type":"event","level":"warn","source":"acme","message":"..."}
//
// Nothing here writes a request body, a query string or a header value: access lines name
// the route template, and event messages come from the host, which redacts every credential
// it sent (and every secret setting) before a line reaches its log sink.
#pragma once

#include <destkit/host/log.hpp>

#include <boost/json/object.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::cli::serve {

class EventLog {
 public:
  explicit EventLog(bool verbose) : verbose_(verbose) {}

  void event(std::string_view level, std::string_view source, std::string_view message,
             boost::json::object fields = {});
  void access(boost::json::object fields);

  // Where the host and its plugins write: each line also goes to the CallCapture of the
  // thread it is written on; debug lines reach the log only when verbose.
  host::LogSink host_sink();

 private:
  void write(boost::json::object line);

  bool verbose_;
  std::mutex mutex_;
};

// The host's log lines written on this thread while it lives: the requests and responses of
// one credential test, which the host makes on the calling thread.
class CallCapture {
 public:
  CallCapture();
  ~CallCapture();
  CallCapture(const CallCapture&) = delete;
  CallCapture& operator=(const CallCapture&) = delete;

  const std::vector<std::string>& lines() const { return lines_; }
  // Adds to the capture of this thread, if there is one.
  static void add(std::string_view line);

 private:
  std::vector<std::string> lines_;
  CallCapture* outer_;
};

}  // namespace destkit::cli::serve
