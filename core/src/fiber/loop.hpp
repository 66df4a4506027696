// fiber/loop — a thread that runs jobs on fibers and waits for all of them at once.
//
// Each job posted runs on a fiber of its own (fiber.hpp). When the job waits (waits.hpp): for a
// descriptor, a time, or an HTTP transfer, the fiber is suspended and the loop runs the others;
// one poll() then waits for every descriptor its fibers wait for and every socket of their
// transfers. The transfers share one curl multi handle, and so one connection cache: a request
// to an origin reuses a connection another fiber's request left open.
#pragma once

#include "fiber/fiber.hpp"
#include "util/spin_wait.hpp"

#include <curl/curl.h>

#include <poll.h>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace destkit::host::fiber {

class Loop {
 public:
  using Clock = std::chrono::steady_clock;

  Loop();
  ~Loop();  // stop()
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs `job` on a fiber of this loop; from any thread. `job` must catch what it throws. False,
  // and `job` dropped, once the loop is stopping. When no stack can be had for a fiber, the job
  // runs on the loop's own stack, its waits blocking the loop until it returns.
  bool post(std::function<void()> job);
  // Runs every job posted to its end, then ends the thread.
  void stop();

  // The loop running on this thread, or null.
  static Loop* current();

  // For waits.hpp, from a fiber of this loop: they suspend it until done.
  int poll(pollfd* fds, nfds_t count, std::optional<Clock::time_point> deadline);
  CURLcode perform(CURL* easy);

 private:
  struct Wait;
  struct Transfer;
  void run();
  // Waits for what the suspended fibers wait for and makes ready those whose wait ended.
  void wait_once();
  void take_posted();
  Stack spare_stack();  // one kept, or a new one
  void finish_transfers();
  std::optional<Clock::time_point> earliest_deadline() const;

  static int on_curl_socket(CURL* easy, curl_socket_t socket, int what, void* loop, void* socket_data);
  static int on_curl_timer(CURLM* multi, long timeout_ms, void* loop);

  CURLM* multi_ = nullptr;
  int wake_fd_ = -1;                           // an eventfd: post() and stop() write to it
  std::map<curl_socket_t, int> curl_sockets_;  // what curl waits for on each: CURL_POLL_*
  std::optional<Clock::time_point> curl_deadline_;
  std::vector<Wait*> waits_;
  std::map<CURL*, Transfer*> transfers_;
  std::vector<Fiber*> ready_;
  std::vector<std::unique_ptr<Fiber>> fibers_;
  util::SpinWait spin_;              // before poll() sleeps
  std::vector<Stack> spare_stacks_;  // of ended fibers, up to kSpareStacks
  static constexpr std::size_t kSpareStacks = 64;
  static constexpr long kConnectionsKept = 64;

  std::mutex posted_mutex_;  // guards what follows
  std::vector<std::function<void()>> posted_;
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace destkit::host::fiber
