// util/spin_wait — a wait for another process that looks again for a short while before it
// sleeps.
//
// Why: where an idle processor halts at once (a virtual machine whose kernel does not poll
// before it halts), waking a process that sleeps takes tens of microseconds, many times what a
// message between two processes that stay awake takes. A host and its runner answer each
// other within microseconds while a call is under way, so a side that waits for such an answer
// finds it sooner by looking again than by sleeping. Looking costs the processor it runs on, so
//   - the window adapts, as Linux's halt polling does: it grows while waits end soon after it
//     closed, and shrinks to nothing while they end long after (a partner's API across a
//     network, a runner left idle between calls), so a slow peer costs no looking at all;
//   - each look yields the processor to any thread that is ready to run on it;
//   - no window opens while the process has more calls waiting for other processes than half
//     its processors (CallUnderWay): those calls are other work for the processors.
#pragma once

#include <chrono>

namespace destkit::util {

class SpinWait {
 public:
  using Clock = std::chrono::steady_clock;

  // The longest window, and the one a closed window opens with again.
  static constexpr Clock::duration kMaxWindow = std::chrono::microseconds(200);
  static constexpr Clock::duration kFirstWindow = std::chrono::microseconds(25);

  // Calls `arrived` (which must not block) until it is true or the window closes; true when it
  // was. When false, the caller sleeps until what it waits for arrives, then calls slept().
  // `worth_it` false (the processors have other work) looks not at all.
  template <class Arrived>
  bool look(Arrived&& arrived, bool worth_it) {
    started_ = Clock::now();
    adapt_ = worth_it;
    if (!worth_it || window_ == Clock::duration::zero()) return false;  // a closed window learns in slept()
    for (;;) {
      if (arrived()) return true;
      yield();
      if (Clock::now() - started_ >= window_) return false;
    }
  }

  // The sleep after a look that returned false has ended: the window adapts to the whole wait.
  void slept();

 private:
  static void yield();

  Clock::duration window_ = kFirstWindow;
  Clock::time_point started_{};
  bool adapt_ = false;  // the last look was worth it: slept() adapts the window
};

// Counts, for its lifetime, one call of this process that waits for another process (a hook
// run in a runner), so that SpinWait's callers know whether looking is worth it.
class CallUnderWay {
 public:
  CallUnderWay();
  ~CallUnderWay();
  CallUnderWay(const CallUnderWay&) = delete;
  CallUnderWay& operator=(const CallUnderWay&) = delete;

  // Whether at most half as many calls are under way as the process may use processors.
  static bool few();
};

}  // namespace destkit::util
