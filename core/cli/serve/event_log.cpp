#include "event_log.hpp"

#include "fiber/fiber.hpp"
#include "output.hpp"
#include "util/json_text.hpp"
#include "util/printable.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace destkit::cli::serve {
namespace {

namespace json = boost::json;

thread_local CallCapture* current_capture = nullptr;
// A credential test on a fiber captures its own lines while others run (fiber_lanes.hpp).
[[maybe_unused]] const bool kept_per_fiber =
    host::fiber::keep_per_fiber([](void* value) { return host::fiber::exchange_local(current_capture, value); });

// Lines a single call may collect, so a plugin that logs in a loop cannot grow a response
// without bound.
constexpr std::size_t kMaxCapturedLines = 200;

std::string now_utc() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

}  // namespace

void EventLog::event(std::string_view level, std::string_view source, std::string_view message, json::object fields) {
  json::object line{{"type", "event"}, {"level", level}, {"source", source}, {"message", message}};
  for (auto& [key, value] : fields) line[key] = std::move(value);
  write(std::move(line));
}

void EventLog::access(json::object fields) {
  json::object line{{"type", "access"}};
  for (auto& [key, value] : fields) line[key] = std::move(value);
  write(std::move(line));
}

host::LogSink EventLog::host_sink() {
  return [this](host::LogLevel level, std::string_view source, std::string_view message) {
    static constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
    std::string_view level_name = names[static_cast<int>(level)];
    if (!source.ends_with(host::kBetweenCallsSource)) {  // no call's
      // An exchange's trace ("> GET ...", "< 200 ...") as it is; any other line as the CLI
      // prints it, with its source and level.
      bool traced = message.starts_with('>') || message.starts_with('<');
      CallCapture::add(traced ? std::string(message) : fmt::format("[{}] {}: {}", source, level_name, message));
    }
    if (level == host::LogLevel::debug && !verbose_) return;
    event(level_name, source, message);
  };
}

void EventLog::write(json::object line) {
  json::value out = json::object(line.size() + 1);
  out.get_object().emplace("time", now_utc());
  for (auto& [key, value] : line) out.get_object().emplace(key, std::move(value));
  make_printable(out);
  std::string text = host::json_text(out);
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

CallCapture::CallCapture() : outer_(current_capture) { current_capture = this; }
CallCapture::~CallCapture() { current_capture = outer_; }

void CallCapture::add(std::string_view line) {
  if (current_capture == nullptr || current_capture->lines_.size() >= kMaxCapturedLines) return;
  current_capture->lines_.push_back(host::printable(line, host::kShownMessageBytes));
}

}  // namespace destkit::cli::serve
