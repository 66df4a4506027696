// An isolated plugin's hooks: the descriptor learned from its first runner, and each hook call
// carried on with a runner of its pool (runner_pool.cpp) until the runner answers.
#include "isolation/isolated_plugin.hpp"

#include "abi/call.hpp"
#include "abi/services.hpp"
#include "fiber/fiber.hpp"
#include "isolation/service_call.hpp"
#include "isolation/services_wire.hpp"
#include "plugin/memory_library.hpp"
#include "util/spin_wait.hpp"

#include <fmt/format.h>

#include <thread>
#include <unistd.h>

namespace destkit::host {
namespace {

using Clock = std::chrono::steady_clock;
using isolation::Hook;
using isolation::Kind;
using isolation::Message;

constexpr int kTestRequest = 1, kExtendRequest = 2, kRefreshAccessToken = 4;

// Which get_auth names the call holds (bits in isolation::AuthName's order), so that the runner
// answers DK_ERR_NOT_FOUND for the others without asking. Presence only: no secret travels.
std::int64_t auth_present(const dk_call& call) {
  std::int64_t present = 0;
  if (!call.auth.access_token.empty()) present |= 1;
  if (!call.auth.refresh_token.empty()) present |= 2;
  if (call.client != nullptr && !call.client->client_id.empty()) present |= 4;
  if (call.client != nullptr && !call.client->client_secret.empty()) present |= 8;
  return present;
}

std::int64_t value_of(const void* handle) { return static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(handle)); }

// The message that runs `hook` on `call` in the runner. It carries what the plugin would
// otherwise ask for in round trips of their own (docs/isolation.md, "Fewer round trips"): the
// call's settings, as get_setting would hand each out, and for a hook that sends requests an
// options handle made in advance for its first request_options_new.
Message hook_message(Hook hook, dk_call& call, dk_request_options* out, bool test_follows) {
  dk_call* handle = handle_of(call);
  auto made_in_advance = [handle] {
    dk_request_options* spare = nullptr;
    return host_api()->request_options_new(handle, &spare) == DK_OK ? spare : nullptr;
  };
  Message m(Kind::hook);
  m.add(static_cast<std::int64_t>(hook)).add(value_of(handle)).add(value_of(out)).add(auth_present(call));
  m.add(value_of(hook != Hook::extend_request ? made_in_advance() : nullptr));
  m.add(test_follows ? static_cast<std::int64_t>(Hook::test_request) : 0);
  m.add(value_of(test_follows ? made_in_advance() : nullptr));
  m.add(util::CallUnderWay::few() ? 1 : 0);
  std::int64_t count = call.settings == nullptr ? 0 : static_cast<std::int64_t>(call.settings->size());
  m.add(count);
  if (count == 0) return m;
  for (const auto& [name, value] : *call.settings) {
    m.add(std::string_view(name)).add(services::value_kind(value)).add(services::value_text(value));
  }
  return m;
}

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

}  // namespace

IsolatedPlugin::IsolatedPlugin(const std::filesystem::path& file, const RunnerLimits& limits, LogSink log)
    : file_path_(file.string()), file_name_(file.filename().string()), limits_(limits), log_(std::move(log)) {
  holder_.plugin = this;
}

IsolatedPlugin::~IsolatedPlugin() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  reaper_wake_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  idle_.clear();
  if (memfd_ >= 0) ::close(memfd_);
}

std::variant<std::unique_ptr<IsolatedPlugin>, NoRunner> IsolatedPlugin::discover(const std::filesystem::path& file,
                                                                                const std::string& bytes,
                                                                                const RunnerLimits& limits,
                                                                                LogSink log) {
  std::unique_ptr<IsolatedPlugin> plugin(new IsolatedPlugin(file, limits, std::move(log)));
  std::string problem;
  plugin->memfd_ = seal(bytes, file, problem);
  if (plugin->memfd_ < 0) return NoRunner{problem, true};
  plugin->runners_ = 1;
  Started first = plugin->start_runner();
  if (auto* none = std::get_if<NoRunner>(&first)) return std::move(*none);
  plugin->release(std::move(std::get<std::unique_ptr<RunnerProcess>>(first)));
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

// A runner in use by a call on this thread; a nested hook call of the same plugin finds it.
struct IsolatedPlugin::Lease {
  const IsolatedPlugin* plugin;
  RunnerProcess* runner;
  Lease* outer;
  std::string fault;  // set when the runner ended: every call on it fails with this
  bool test_running = false;  // the runner went on from extendRequest into testRequest
};

// A runner that went on into the call's testRequest, kept by the call (dk_call::runner_ahead)
// until the host runs that hook; stopped if the call ends first.
struct IsolatedPlugin::RunnerAhead {
  IsolatedPlugin* plugin;
  std::unique_ptr<RunnerProcess> runner;
};

thread_local IsolatedPlugin::Lease* IsolatedPlugin::current_lease_ = nullptr;
const bool IsolatedPlugin::lease_kept_per_fiber_ =
    fiber::keep_per_fiber([](void* value) { return fiber::exchange_local(current_lease_, value); });

dk_status IsolatedPlugin::converse(Lease& lease, Hook hook, dk_call* call, dk_request_options* out, Start start) {
  auto fail = [&](const std::string& fault) {
    if (call->fault.empty()) call->fault = fault;
    return DK_ERR_INTERNAL;
  };
  if (!lease.fault.empty()) return fail(lease.fault);
  RunnerProcess& runner = *lease.runner;
  // The hook's whole time counts, the host's answers to its services included, save the
  // requests it sends: a hook looping on cheap services is stopped at the deadline too. Kept
  // in the clock's own unit, so that many short waits add up.
  Clock::duration budget = limits_.hook_deadline;
  auto out_of_time = [&] {
    runner.stop();
    lease.fault = record_end(fmt::format("Plugin `{}` did not finish {} within {} ms and was stopped", name(),
                                         hook_name(hook), limits_.hook_deadline.count()));
    return fail(lease.fault);
  };
  // A runner that stops reading its channel is out of time as one that stops answering.
  auto send = [&](const isolation::Message& message) {
    auto sent_from = Clock::now();
    bool sent = runner.send(message, budget);
    budget -= Clock::now() - sent_from;
    return sent;
  };
  dk_status deferred_failure = DK_OK;  // a deferred setter failed: the next waiting service gets it
  try {
    if (start != Start::already_running && !send(hook_message(hook, *call, out, start == Start::send_then_test))) {
      return out_of_time();
    }
    for (;;) {
      auto waited_from = Clock::now();
      auto message = runner.receive(budget);
      budget -= Clock::now() - waited_from;
      if (!message) return out_of_time();
      Kind kind = message->kind();
      if (kind == Kind::hook_done) {
        auto status = static_cast<dk_status>(message->integer());
        if (start == Start::send_then_test && status == DK_OK) lease.test_running = true;
        return status == DK_OK ? deferred_failure : status;
      }
      if (kind == Kind::deferred_service) {
        dk_status status = serve_deferred_service(*message);
        if (deferred_failure == DK_OK) deferred_failure = status;
        continue;
      }
      if (kind != Kind::service) throw isolation::WireError("unexpected message");
      if (deferred_failure != DK_OK && message->peek_integer() != static_cast<std::int64_t>(isolation::Service::log)) {
        if (!send(refusal_reply(*message, deferred_failure))) return out_of_time();
        deferred_failure = DK_OK;
        continue;
      }
      bool sends_a_request = message->peek_integer() == static_cast<std::int64_t>(isolation::Service::request_send);
      auto served_from = Clock::now();
      auto answer = serve_service(*message);
      if (!sends_a_request) budget -= Clock::now() - served_from;
      if (!lease.fault.empty()) return fail(lease.fault);  // a nested hook's runner ended
      if (answer && !send(*answer)) return out_of_time();
    }
  } catch (const isolation::WireError&) {
    if (!lease.fault.empty()) return fail(lease.fault);
    lease.fault = record_end(fmt::format("Plugin `{}` {} during {}", name(), stop(runner), hook_name(hook)));
    return fail(lease.fault);
  }
}

dk_status IsolatedPlugin::run(Hook hook, dk_call* call, dk_request_options* out) noexcept {
  try {
    bool test_follows = hook == Hook::extend_request && std::exchange(call->test_request_follows, false);
    for (Lease* lease = current_lease_; lease != nullptr; lease = lease->outer) {
      if (lease->plugin == this) return converse(*lease, hook, call, out, Start::send);  // nested in a call on this thread
    }
    Start start = test_follows ? Start::send_then_test : Start::send;
    std::unique_ptr<RunnerProcess> runner = hook == Hook::test_request ? take_runner_ahead(*call) : nullptr;
    if (runner != nullptr) {
      start = Start::already_running;
    } else {
      auto acquired = acquire(hook);
      if (auto* problem = std::get_if<std::string>(&acquired)) {
        if (call->fault.empty()) call->fault = *problem;
        return DK_ERR_INTERNAL;
      }
      runner = std::move(std::get<std::unique_ptr<RunnerProcess>>(acquired));
      runner->begin_call(call->redactor, {&call->extension_writable, &call->held_log});
    }
    util::CallUnderWay under_way;
    Lease lease{this, runner.get(), current_lease_, {}};
    current_lease_ = &lease;
    struct Restore {
      Lease& lease;
      ~Restore() { current_lease_ = lease.outer; }
    } restore{lease};
    dk_status status = DK_ERR_INTERNAL;
    try {
      status = converse(lease, hook, call, out, start);
    } catch (...) {
      runner->stop();  // the conversation is in an unknown state
      lease.fault = "the host failed while running the plugin";
    }
    if (lease.test_running && lease.fault.empty()) {
      keep_runner_ahead(*call, std::move(runner));
      return status;
    }
    runner->end_call();
    release(lease.fault.empty() ? std::move(runner) : nullptr);
    return status;
  } catch (...) {
    return DK_ERR_INTERNAL;
  }
}

void IsolatedPlugin::keep_runner_ahead(dk_call& call, std::unique_ptr<RunnerProcess> runner) noexcept {
  try {
    std::shared_ptr<RunnerAhead> ahead(new RunnerAhead{this, nullptr}, [](RunnerAhead* kept) {
      kept->plugin->discard(std::move(kept->runner));
      delete kept;
    });
    ahead->runner = std::move(runner);
    call.runner_ahead = std::move(ahead);
  } catch (...) {
    discard(std::move(runner));
  }
}

std::unique_ptr<RunnerProcess> IsolatedPlugin::take_runner_ahead(dk_call& call) {
  if (call.runner_ahead == nullptr) return nullptr;
  auto ahead = std::static_pointer_cast<RunnerAhead>(std::exchange(call.runner_ahead, nullptr));
  if (ahead->plugin != this) return nullptr;  // ends with `ahead`
  return std::move(ahead->runner);
}

void IsolatedPlugin::discard(std::unique_ptr<RunnerProcess> runner) noexcept {
  if (runner == nullptr) return;
  try {
    runner->end_call();
    runner->stop();  // it is running a hook the host will not serve; not counted as a crash
  } catch (...) {
  }
  try {
    release(nullptr);
  } catch (...) {
  }
}

}  // namespace destkit::host
