#include "isolation/isolated_plugin.hpp"

#include "abi/call.hpp"
#include "abi/services.hpp"
#include "isolation/service_call.hpp"
#include "plugin/memory_library.hpp"

#include <fmt/format.h>

#include <csignal>
#include <thread>
#include <unistd.h>

namespace destkit::host {
namespace {

using Clock = std::chrono::steady_clock;
using isolation::Hook;
using isolation::Kind;
using isolation::Message;

constexpr int kTestRequest = 1, kExtendRequest = 2, kRefreshAccessToken = 4;

std::string_view hook_name(Hook hook) {
  switch (hook) {
    case Hook::extend_request: return "extendRequest";
    case Hook::test_request: return "testRequest";
    case Hook::refresh_access_token: return "refreshAccessToken";
  }
  return "a hook";
}

std::int64_t value_of(const void* handle) { return static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(handle)); }

dk_status run_in_runner(Hook hook, dk_call* handle, dk_request_options* out) noexcept {
  dk_call* call = services::resolve(handle);
  if (call == nullptr || call->hooks == nullptr) return DK_ERR_INVALID_ARGUMENT;
  return reinterpret_cast<const IsolatedDescriptor*>(call->hooks)->plugin->run(hook, call, out);
}

dk_status on_test_request(dk_call* call) noexcept { return run_in_runner(Hook::test_request, call, nullptr); }
dk_status on_extend_request(dk_call* call, dk_request_options* out) noexcept {
  return run_in_runner(Hook::extend_request, call, out);
}
dk_status on_refresh_access_token(dk_call* call) noexcept {
  return run_in_runner(Hook::refresh_access_token, call, nullptr);
}

// The runner's loader names the memfd; the person reading the message knows the file.
std::string naming_file(std::string message, const std::string& file) {
  constexpr std::string_view kSealed = "/proc/self/fd/4";
  for (auto at = message.find(kSealed); at != std::string::npos; at = message.find(kSealed, at + file.size())) {
    message.replace(at, kSealed.size(), file);
  }
  return message;
}

}  // namespace

IsolatedPlugin::IsolatedPlugin(const std::filesystem::path& file, const RunnerLimits& limits, LogSink log)
    : file_path_(file.string()), file_name_(file.filename().string()), limits_(limits), log_(std::move(log)) {
  holder_.plugin = this;
}

IsolatedPlugin::~IsolatedPlugin() {
  runner_.reset();
  if (memfd_ >= 0) ::close(memfd_);
}

std::variant<std::unique_ptr<IsolatedPlugin>, std::string> IsolatedPlugin::discover(const std::filesystem::path& file,
                                                                                   const std::string& bytes,
                                                                                   const RunnerLimits& limits,
                                                                                   LogSink log) {
  std::unique_ptr<IsolatedPlugin> plugin(new IsolatedPlugin(file, limits, std::move(log)));
  std::string problem;
  plugin->memfd_ = seal(bytes, file, problem);
  if (plugin->memfd_ < 0) return problem;
  if (problem = plugin->start(); !problem.empty()) return problem;
  return plugin;
}

std::variant<std::unique_ptr<IsolatedPlugin>, std::string> IsolatedPlugin::deferred(const std::filesystem::path& file,
                                                                                   const std::string& bytes,
                                                                                   const dk_plugin& loaded,
                                                                                   const RunnerLimits& limits,
                                                                                   LogSink log) {
  std::unique_ptr<IsolatedPlugin> plugin(new IsolatedPlugin(file, limits, std::move(log)));
  std::string problem;
  plugin->memfd_ = seal(bytes, file, problem);
  if (plugin->memfd_ < 0) return problem;
  plugin->slug_ = loaded.slug;
  plugin->version_ = loaded.version;
  plugin->definition_ = loaded.definition_json;
  plugin->hooks_present_ = (loaded.on_test_request != nullptr ? kTestRequest : 0) |
                           (loaded.on_extend_request != nullptr ? kExtendRequest : 0) |
                           (loaded.on_refresh_access_token != nullptr ? kRefreshAccessToken : 0);
  dk_plugin& d = plugin->holder_.descriptor;
  d = loaded;
  d.slug = plugin->slug_.c_str();
  d.version = plugin->version_.c_str();
  d.definition_json = plugin->definition_.c_str();
  d.on_test_request = loaded.on_test_request != nullptr ? on_test_request : nullptr;
  d.on_extend_request = loaded.on_extend_request != nullptr ? on_extend_request : nullptr;
  d.on_refresh_access_token = loaded.on_refresh_access_token != nullptr ? on_refresh_access_token : nullptr;
  plugin->described_ = true;
  return plugin;
}

bool IsolatedPlugin::take_descriptor(isolation::Reader& m) {
  if (m.integer() == 0) {
    entry_returned_null_ = true;
    return !described_;
  }
  dk_plugin d{};
  d.struct_size = static_cast<std::uint32_t>(m.integer());
  d.abi_major = static_cast<std::uint16_t>(m.integer());
  d.abi_minor = static_cast<std::uint16_t>(m.integer());
  d.magic = static_cast<std::uint32_t>(m.integer());
  d.min_host_abi_minor = static_cast<std::uint16_t>(m.integer());
  std::int64_t nulls = m.integer();
  std::string slug(m.text()), version(m.text()), definition(m.text());
  int hooks = static_cast<int>(m.integer());
  if (described_) return slug == slug_ && version == version_ && definition == definition_ && hooks == hooks_present_;
  slug_ = std::move(slug);
  version_ = std::move(version);
  definition_ = std::move(definition);
  hooks_present_ = hooks;
  d.slug = (nulls & 1) != 0 ? nullptr : slug_.c_str();
  d.version = (nulls & 2) != 0 ? nullptr : version_.c_str();
  d.definition_json = (nulls & 4) != 0 ? nullptr : definition_.c_str();
  d.on_test_request = (hooks & kTestRequest) != 0 ? on_test_request : nullptr;
  d.on_extend_request = (hooks & kExtendRequest) != 0 ? on_extend_request : nullptr;
  d.on_refresh_access_token = (hooks & kRefreshAccessToken) != 0 ? on_refresh_access_token : nullptr;
  holder_.descriptor = d;
  described_ = true;
  return true;
}

std::string IsolatedPlugin::stop_runner() {
  std::string how = runner_->stop();
  bool refused_call = runner_->killed_by(SIGSYS);
  bool closed_channel = runner_->killed_by(SIGKILL);
  runner_.reset();
  if (refused_call) {
    return "was stopped by the sandbox (SIGSYS: a system call runners may not make, such as starting a program, "
           "making a process or opening a socket)";
  }
  if (closed_channel) return "broke its channel to the host and was stopped (SIGKILL)";
  return fmt::format("crashed ({})", how);
}

std::string IsolatedPlugin::record_end(std::string fault) {
  auto now = Clock::now();
  crashes_.push_back(now);
  while (!crashes_.empty() && now - crashes_.front() > limits_.crash_window) crashes_.pop_front();
  last_fault_ = fault;
  if (static_cast<int>(crashes_.size()) >= limits_.crashes_before_quarantine) {
    quarantined_ = fmt::format("its runner ended {} times within {} s; the last time: {}", crashes_.size(),
                               limits_.crash_window.count(), fault);
    if (log_) log_(LogLevel::error, name(), fmt::format("quarantined until the plugins are rescanned: {}", quarantined_));
  }
  return fault;
}

std::string IsolatedPlugin::start() {
  if (crashes_.size() >= 2) {  // the first restart is at once, then restart_backoff, doubling
    auto wait = std::min(limits_.restart_backoff * (std::int64_t{1} << std::min<std::size_t>(crashes_.size() - 2, 20)),
                         limits_.restart_backoff_max);
    std::this_thread::sleep_until(crashes_.back() + wait);
  }
  auto made = RunnerProcess::start(memfd_, limits_, log_, name());
  if (auto* problem = std::get_if<std::string>(&made)) return *problem;
  runner_ = std::move(std::get<std::unique_ptr<RunnerProcess>>(made));
  ++generation_;
  LoadingLog loading(&log_, file_name_);
  try {
    for (;;) {
      auto message = runner_->receive(limits_.hook_deadline);
      if (!message) {
        stop_runner();
        return record_end(fmt::format("did not finish loading within {} ms and was stopped", limits_.hook_deadline.count()));
      }
      Kind kind = message->kind();
      if (kind == Kind::service) {  // log lines of the entry point
        serve_service(*message);
        continue;
      }
      if (kind != Kind::descriptor) throw isolation::WireError("unexpected message");
      std::string problem(message->text());
      if (!problem.empty()) {
        stop_runner();
        return naming_file(problem, file_path_);
      }
      if (!take_descriptor(*message)) {
        stop_runner();
        quarantined_ = "it described itself differently when its runner started again";
        return quarantined_;
      }
      runner_->set_log_source(name());
      return {};
    }
  } catch (const isolation::WireError&) {
    return record_end(stop_runner() + " while loading");
  }
}

dk_status IsolatedPlugin::run(Hook hook, dk_call* call, dk_request_options* out) noexcept {
  try {
    std::lock_guard lock(mutex_);
    auto fail = [&](const std::string& fault) {
      if (call->fault.empty()) call->fault = fault;
      return DK_ERR_INTERNAL;
    };
    if (!quarantined_.empty()) return fail(fmt::format("Plugin `{}` is quarantined: {}", name(), quarantined_));
    if (runner_ && runner_->ended()) {  // it died between calls: a thread of the plugin, say
      std::string fault = fmt::format("Plugin `{}` {} after its last call returned", name(), stop_runner());
      if (log_) log_(LogLevel::error, name(), record_end(fault));
      if (!quarantined_.empty()) return fail(fmt::format("Plugin `{}` is quarantined: {}", name(), quarantined_));
    }
    if (!runner_) {
      if (std::string problem = start(); !problem.empty()) {
        return fail(fmt::format("Plugin `{}` could not be started for {}: {}", name(), hook_name(hook), problem));
      }
    }
    std::uint64_t generation = generation_;
    auto budget = limits_.hook_deadline;
    try {
      runner_->send(std::move(Message(Kind::hook).add(static_cast<std::int64_t>(hook)).add(value_of(handle_of(*call))).add(value_of(out))));
      for (;;) {
        auto waited_from = Clock::now();
        auto message = runner_->receive(budget);
        budget -= std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - waited_from);
        if (!message) {
          stop_runner();
          return fail(record_end(fmt::format("Plugin `{}` did not finish {} within {} ms and was stopped", name(),
                                             hook_name(hook), limits_.hook_deadline.count())));
        }
        Kind kind = message->kind();
        if (kind == Kind::hook_done) return static_cast<dk_status>(message->integer());
        if (kind != Kind::service) throw isolation::WireError("unexpected message");
        auto answer = serve_service(*message);  // the host's own time: not counted against the deadline
        if (generation_ != generation || !runner_) return fail(last_fault_);  // a nested hook's runner ended
        if (answer) runner_->send(*answer);
      }
    } catch (const isolation::WireError&) {
      if (generation_ != generation || !runner_) return fail(last_fault_);
      return fail(record_end(fmt::format("Plugin `{}` {} during {}", name(), stop_runner(), hook_name(hook))));
    }
  } catch (...) {
    return DK_ERR_INTERNAL;
  }
}

std::string IsolatedPlugin::quarantine_reason() const {
  std::lock_guard lock(mutex_);
  return quarantined_;
}

bool IsolatedPlugin::lift_quarantine() {
  std::lock_guard lock(mutex_);
  if (quarantined_.empty()) return false;
  quarantined_.clear();
  crashes_.clear();
  return true;
}

}  // namespace destkit::host
