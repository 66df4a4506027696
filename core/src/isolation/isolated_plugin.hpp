// isolation/isolated_plugin — a plugin library whose code runs in a runner process.
//
// To the rest of the host it is a dk_plugin like any other: its hooks are host functions that
// send the hook to the runner and serve the runner's service calls (which run the host's own
// services on the host's dk_call) until the runner answers. So the credential test, the 401
// refresh, the nested extendRequest and the verdicts are one code path for both modes.
//
// Calls run in a small pool of runners of the plugin: a call takes an idle runner, or starts one
// while fewer than RunnerLimits::runners_per_plugin exist (else it waits for one to be free),
// and gives it back when the hook returns. So concurrent calls of one plugin run concurrently,
// and the pool grows to the concurrency the host asks for. A credential test keeps its runner
// from extendRequest through testRequest, which the runner starts on its own as soon as
// extendRequest succeeds (dk_call::runner_ahead). Idle runners beyond one are ended
// after kIdleRunnerLifetime. A nested hook call (extendRequest inside request_send) goes to the
// runner of the call it is nested in, on the same thread. The descriptor is learned from the
// first runner; each later one must describe the plugin the same way.
//
// A runner that crashes, exits, closes its channel or overruns the hook deadline is killed and
// reaped, and only the call it was running fails, with a verdict naming the cause
// (dk_call::fault). Ends are counted across the pool: a runner is started after a backoff (none
// after the first end, then restart_backoff, doubling up to restart_backoff_max), and a plugin
// whose runners ended crashes_before_quarantine times within crash_window is quarantined: its
// hooks fail at once until lift_quarantine (Host::rescan).
#pragma once

#include "isolation/runner_process.hpp"

#include <destkit/abi.h>
#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

namespace destkit::host {

class IsolatedPlugin;

// How long a runner beyond the first may stay idle before it is ended.
inline constexpr std::chrono::seconds kIdleRunnerLifetime{10};

// The descriptor comes first so that a hook, handed dk_call::hooks, finds its plugin.
struct IsolatedDescriptor {
  dk_plugin descriptor;
  IsolatedPlugin* plugin;
};
static_assert(std::is_standard_layout_v<IsolatedDescriptor>, "the descriptor must convert to its plugin");

// Why no runner of a plugin is ready: a phrase ("crashed (SIGSEGV) while loading"), and
// whether the host could not start one at all (no descriptor, process or pipe to be had, or
// the runner could not enter its sandbox), so that no plugin code ran and the phrase says
// nothing about the plugin, or whether the plugin ran out of time (which a busy machine can
// cause) or its runner was killed by a SIGKILL the host did not send (which another process or
// the kernel out of memory can send), so that the phrase may not hold the next time.
struct NoRunner {
  std::string why;
  bool not_started = false;
  bool out_of_time = false;
  bool killed_elsewhere = false;
};

class IsolatedPlugin {
 public:
  // Starts a runner on the verified `bytes` of `file` and runs its entry point there. The
  // descriptor it reported (hooks replaced by the host's), or why the plugin is rejected.
  static std::variant<std::unique_ptr<IsolatedPlugin>, NoRunner> discover(const std::filesystem::path& file,
                                                                          const std::string& bytes,
                                                                          const RunnerLimits& limits, LogSink log);
  // A plugin the host loaded in process whose hooks run in a runner, started at first use.
  static std::variant<std::unique_ptr<IsolatedPlugin>, std::string> deferred(const std::filesystem::path& file,
                                                                             const std::string& bytes,
                                                                             const dk_plugin& loaded,
                                                                             const RunnerLimits& limits, LogSink log);
  ~IsolatedPlugin();

  // Kept in place for the life of this object: dk_call::hooks must point at it. Null when the
  // entry point returned NULL.
  const dk_plugin* descriptor() const { return entry_returned_null_ ? nullptr : &holder_.descriptor; }

  // Runs one hook in the runner (see the file comment). On failure the call's fault says why.
  dk_status run(isolation::Hook hook, dk_call* call, dk_request_options* out) noexcept;

  // Why the host no longer runs this plugin's code; empty while it does.
  std::string quarantine_reason() const;
  // Lets the next call start a runner again, its crash count at zero; false when the plugin
  // was not quarantined.
  bool lift_quarantine();

 private:
  struct Idle {
    std::unique_ptr<RunnerProcess> runner;
    std::chrono::steady_clock::time_point since;
  };
  struct Lease;        // a runner in use by one thread's call (isolated_plugin.cpp)
  struct RunnerAhead;  // a runner already running a call's testRequest (isolated_plugin.cpp)
  // How converse begins: by sending the hook; by sending extendRequest with testRequest to
  // follow in the same runner (a credential test: docs/isolation.md, "Fewer round trips"); or
  // with the hook already running there.
  enum class Start { send, send_then_test, already_running };
  static thread_local Lease* current_lease_;  // the innermost on this thread, or of this fiber
  static const bool lease_kept_per_fiber_;
  using Started = std::variant<std::unique_ptr<RunnerProcess>, NoRunner>;

  IsolatedPlugin(const std::filesystem::path& file, const RunnerLimits& limits, LogSink log);
  // A runner that ran the entry point and described the plugin as expected, or why not (a
  // phrase: "crashed (SIGSEGV) while loading").
  Started start_runner();
  // An idle runner or a new one for `hook`, or the sentence saying why there is none.
  std::variant<std::unique_ptr<RunnerProcess>, std::string> acquire(isolation::Hook hook);
  // Gives a runner whose call ended normally back to the pool; `nullptr` for one that ended.
  void release(std::unique_ptr<RunnerProcess> runner);
  // Runs the hook on the lease's runner until it answers, serving its service calls.
  dk_status converse(Lease& lease, isolation::Hook hook, dk_call* call, dk_request_options* out, Start start);
  // Has the call keep a runner that went on into its testRequest, until the host runs it.
  void keep_runner_ahead(dk_call& call, std::unique_ptr<RunnerProcess> runner) noexcept;
  // The runner the call kept because it already runs the call's testRequest, if any.
  std::unique_ptr<RunnerProcess> take_runner_ahead(dk_call& call);
  // Stops a runner kept ahead whose hook the host will not run, and gives up its place.
  void discard(std::unique_ptr<RunnerProcess> runner) noexcept;
  // Ends idle runners beyond one that have been idle for kIdleRunnerLifetime (a thread of its own).
  void end_idle_runners();
  // Stops a runner whose channel failed and says how it ended, as a phrase. A runner that is
  // ending by itself is given kGraceToEnd to finish, so that its own end is the one reported.
  std::string stop(RunnerProcess& runner);
  static constexpr std::chrono::milliseconds kGraceToEnd{100};
  // Counts a runner's end toward quarantine; returns `fault`.
  std::string record_end(std::string fault);
  // Takes the descriptor the runner sent; false when it differs from the one expected.
  bool take_descriptor(isolation::Reader& message);
  const std::string& name() const { return slug_.empty() ? file_name_ : slug_; }

  IsolatedDescriptor holder_{};
  std::string file_path_;  // as given, to name the file in the loader's messages
  std::string file_name_;
  // What the descriptor points to: written by the first runner (before the plugin is handed
  // out), only read afterwards.
  std::string slug_, version_, definition_;
  int hooks_present_ = 0;
  bool described_ = false;
  bool entry_returned_null_ = false;
  int memfd_ = -1;
  RunnerLimits limits_;
  LogSink log_;

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable freed_;  // a runner became idle, or a slot for one
  std::vector<Idle> idle_;         // the least recently used first
  int runners_ = 0;                // idle, in use and starting
  std::deque<std::chrono::steady_clock::time_point> crashes_;
  std::string quarantined_;
  std::condition_variable reaper_wake_;
  std::thread reaper_;
  bool reaping_ = false;
  bool closing_ = false;
};

}  // namespace destkit::host
