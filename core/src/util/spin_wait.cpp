#include "util/spin_wait.hpp"

#include <sched.h>
#include <algorithm>
#include <atomic>

namespace destkit::util {
namespace {

std::atomic<int> calls_under_way{0};

// The processors this process may run on, read once.
int usable_processors() {
  static const int count = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    return ::sched_getaffinity(0, sizeof set, &set) == 0 ? std::max(1, CPU_COUNT(&set)) : 1;
  }();
  return count;
}

}  // namespace

void SpinWait::yield() { ::sched_yield(); }

void SpinWait::slept() {
  if (!adapt_) return;
  Clock::duration total = Clock::now() - started_;
  if (total <= kMaxWindow) {  // a longer window would have caught it
    window_ = std::clamp(window_ * 2, kFirstWindow, kMaxWindow);
  } else {  // it came long after the window (or other threads had the processor): look less
    window_ /= 2;
    if (window_ < kFirstWindow) window_ = Clock::duration::zero();
  }
}

CallUnderWay::CallUnderWay() { calls_under_way.fetch_add(1, std::memory_order_relaxed); }
CallUnderWay::~CallUnderWay() { calls_under_way.fetch_sub(1, std::memory_order_relaxed); }

bool CallUnderWay::few() {
  return 2 * calls_under_way.load(std::memory_order_relaxed) <= std::max(2, usable_processors());
}

}  // namespace destkit::util
