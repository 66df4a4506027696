// fiber/waits — the ways host code waits: on a fiber of a Loop they suspend the fiber, anywhere
// else they block the thread as the system calls they stand for do.
#pragma once

#include <curl/curl.h>

#include <poll.h>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace destkit::host::fiber {

// Whether the calling code runs on a fiber.
bool on_fiber();

// ::poll, the timeout in milliseconds (negative: none).
int poll(pollfd* fds, nfds_t count, int timeout_ms);

void sleep_for(std::chrono::steady_clock::duration duration);

// curl_easy_perform. On a fiber, the handle must not be in use by another transfer.
CURLcode perform(CURL* easy);

// condition_variable::wait, which may wake without a notification as that one may: on a
// fiber it looks again after a millisecond.
void wait(std::condition_variable& condition, std::unique_lock<std::mutex>& lock);

// A mutex that may be held across a wait: a fiber that finds it taken lets the others run
// until it is free (std::mutex would block the thread, and with it the fiber that holds it).
class Mutex {
 public:
  void lock();
  bool try_lock();
  void unlock();

 private:
  std::mutex state_mutex_;  // held only to read or change `held_`
  std::condition_variable freed_;
  bool held_ = false;
};

}  // namespace destkit::host::fiber
