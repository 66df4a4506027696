#include "fiber/waits.hpp"

#include "fiber/fiber.hpp"
#include "fiber/loop.hpp"

#include <thread>
#include <utility>

namespace destkit::host::fiber {
namespace {

using Clock = std::chrono::steady_clock;

// How often a fiber looks again at what it waits for without a descriptor to wake it.
constexpr std::chrono::milliseconds kLookAgain{1};

}  // namespace

bool on_fiber() { return Fiber::current() != nullptr && Loop::current() != nullptr; }

int poll(pollfd* fds, nfds_t count, int timeout_ms) {
  if (!on_fiber()) return ::poll(fds, count, timeout_ms);
  std::optional<Clock::time_point> deadline;
  if (timeout_ms >= 0) deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  return Loop::current()->poll(fds, count, deadline);
}

void sleep_for(Clock::duration duration) {
  if (!on_fiber()) {
    std::this_thread::sleep_for(duration);
    return;
  }
  Loop::current()->poll(nullptr, 0, Clock::now() + duration);
}

CURLcode perform(CURL* easy) { return on_fiber() ? Loop::current()->perform(easy) : curl_easy_perform(easy); }

void wait(std::condition_variable& condition, std::unique_lock<std::mutex>& lock) {
  if (!on_fiber()) {
    condition.wait(lock);
    return;
  }
  lock.unlock();
  sleep_for(kLookAgain);
  lock.lock();
}

void Mutex::lock() {
  std::unique_lock state(state_mutex_);
  while (held_) wait(freed_, state);
  held_ = true;
}

bool Mutex::try_lock() {
  std::lock_guard state(state_mutex_);
  return !std::exchange(held_, true);
}

void Mutex::unlock() {
  {
    std::lock_guard state(state_mutex_);
    held_ = false;
  }
  freed_.notify_one();
}

}  // namespace destkit::host::fiber
