// The call's own machinery: handle values, which call is running on this thread, where log
// lines go while a plugin loads, and running extendRequest into the call.
#include "abi/call.hpp"

#include "abi/plugin_code.hpp"
#include "abi/plugin_log.hpp"
#include "abi/sent_credentials.hpp"
#include "fiber/fiber.hpp"
#include "util/printable.hpp"

#include <malloc.h>

#include <atomic>

namespace destkit::host {
namespace {

// Both follow the call or the load that set them onto whichever thread runs it (fiber/fiber.hpp).
thread_local dk_call* active_call = nullptr;
thread_local LoadingLog* loading = nullptr;
[[maybe_unused]] const bool kept_per_fiber =
    fiber::keep_per_fiber([](void* value) { return fiber::exchange_local(active_call, value); }) &&
    fiber::keep_per_fiber([](void* value) { return fiber::exchange_local(loading, value); });

}  // namespace

std::uintptr_t next_handle_id() {
  // Multiples of 16 from a high base: never 0, never reused while the process runs.
  static std::atomic<std::uintptr_t> next{0x10000};
  return next.fetch_add(16);
}

ActiveCall::ActiveCall(dk_call* call) : previous_(active_call) { active_call = call; }
ActiveCall::~ActiveCall() { active_call = previous_; }
dk_call* ActiveCall::current() { return active_call; }

LoadingLog::LoadingLog(const LogSink* sink, std::string source)
    : sink_(sink), source_(std::move(source)), outer_(loading) {
  loading = this;
}
LoadingLog::~LoadingLog() { loading = outer_; }

void LoadingLog::write(LogLevel level, std::string_view message) {
  LoadingLog* load = loading;
  if (load == nullptr || load->sink_ == nullptr || !*load->sink_) return;
  switch (load->budget_.take()) {
    case PluginLogBudget::Next::log: break;
    case PluginLogBudget::Next::say_dropped: (*load->sink_)(LogLevel::warn, load->source_, kEntryLogDropped); return;
    case PluginLogBudget::Next::drop: return;
  }
  (*load->sink_)(level, load->source_, message);
}

dk_status run_extend_request(dk_call* call) {
  call->extension.options = {};
  dk_status status = DK_OK;
  if (call->hooks != nullptr && call->hooks->on_extend_request != nullptr) {
    call->extension_writable = true;
    status = run_hook(*call, "in extendRequest",
                      [&] { return call->hooks->on_extend_request(handle_of(*call), handle_of(call->extension)); });
    call->extension_writable = false;
  }
  remember_credentials_in(*call, call->defaults);
  remember_credentials_in(*call, call->extension.options);
  // Redacted, then cut: what extendRequest said was held whole (services::held_text).
  call->error = call->redactor.shown(call->error, kShownMessageBytes);
  for (auto& problem : call->invalid_settings) {
    problem.message = call->redactor.shown(problem.message, kShownMessageBytes);
  }
  for (auto& [level, message] : call->held_log) {
    if (call->env.log != nullptr && *call->env.log) {
      (*call->env.log)(level, call->env.plugin_slug, redacted_log_line(call->redactor, message));
    }
  }
  call->held_log.clear();
  call->held_bytes = 0;
  return status;
}

}  // namespace destkit::host

dk_call::~dk_call() {
  // glibc keeps what a thread frees in that thread's arena for its next allocations: after a
  // call that kept tens of MiB, a long-running host with many threads would hold gigabytes for
  // nothing. Such a call frees what it kept and gives the memory back.
  bool kept_much =
      kept_body_bytes + handed_out_bytes + given_bytes + held_bytes >= destkit::host::kReturnMemoryAfterBytes;
  if (!kept_much) return;
  strings.clear();
  responses.clear();
  options.clear();
  extension.options = {};
  held_log.clear();
  malloc_trim(0);
}
