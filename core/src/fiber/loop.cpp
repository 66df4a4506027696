#include "fiber/loop.hpp"

#include "fiber/fiber.hpp"

#include <sys/eventfd.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace destkit::host::fiber {
namespace {

thread_local Loop* running_loop = nullptr;

int poll_events(int curl_what) {
  return ((curl_what & CURL_POLL_IN) != 0 ? POLLIN : 0) | ((curl_what & CURL_POLL_OUT) != 0 ? POLLOUT : 0);
}

int curl_events(short revents) {
  int events = 0;
  if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) events |= CURL_CSELECT_IN;
  if ((revents & POLLOUT) != 0) events |= CURL_CSELECT_OUT;
  if ((revents & POLLERR) != 0) events |= CURL_CSELECT_ERR;
  return events;
}

}  // namespace

// A fiber waiting in poll(), kept on its stack.
struct Loop::Wait {
  Fiber* fiber;
  pollfd* fds;
  nfds_t count;
  std::optional<Clock::time_point> deadline;
  int ready = 0;
  bool done = false;
};

// A fiber waiting in perform(), kept on its stack.
struct Loop::Transfer {
  Fiber* fiber;
  CURLcode result = CURLE_OK;
  bool done = false;
};

Loop::Loop() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  multi_ = curl_multi_init();
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (multi_ == nullptr || wake_fd_ < 0) {
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    curl_global_cleanup();
    throw std::system_error(errno, std::generic_category(), "a fiber loop");
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::on_curl_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::on_curl_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // Connections kept open whatever the number of transfers: by default curl keeps four per
  // transfer under way, which are few when requests come one after another.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, kConnectionsKept);
  thread_ = std::thread([this] { run(); });
}

Loop::~Loop() {
  stop();
  curl_multi_cleanup(multi_);
  ::close(wake_fd_);
  curl_global_cleanup();
}

Loop* Loop::current() { return running_loop; }

bool Loop::post(std::function<void()> job) {
  {
    std::lock_guard lock(posted_mutex_);
    if (stopping_) return false;
    posted_.push_back(std::move(job));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
  return true;
}

void Loop::stop() {
  {
    std::lock_guard lock(posted_mutex_);
    stopping_ = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void Loop::run() {
  running_loop = this;
  for (;;) {
    take_posted();
    while (!ready_.empty()) {
      std::vector<Fiber*> batch;
      batch.swap(ready_);
      for (Fiber* fiber : batch) {
        fiber->resume();
        if (!fiber->finished()) continue;
        auto it = std::find_if(fibers_.begin(), fibers_.end(), [&](const auto& f) { return f.get() == fiber; });
        if (spare_stacks_.size() < kSpareStacks) spare_stacks_.push_back(fiber->take_stack());
        std::swap(*it, fibers_.back());
        fibers_.pop_back();
      }
      take_posted();
    }
    {
      std::lock_guard lock(posted_mutex_);
      if (stopping_ && posted_.empty() && fibers_.empty()) break;
    }
    wait_once();
  }
  running_loop = nullptr;
}

void Loop::take_posted() {
  std::vector<std::function<void()>> posted;
  {
    std::lock_guard lock(posted_mutex_);
    posted.swap(posted_);
  }
  for (auto& job : posted) {
    try {
      // Whatever may fail comes before the job is moved into its fiber.
      fibers_.reserve(fibers_.size() + 1);
      ready_.reserve(ready_.size() + 1);
      auto fiber = std::make_unique<Fiber>(std::move(job), spare_stack());
      ready_.push_back(fiber.get());
      fibers_.push_back(std::move(fiber));
    } catch (const std::exception&) {
      job();  // no memory for a fiber: on this stack, its waits blocking
    }
  }
}

Stack Loop::spare_stack() {
  if (spare_stacks_.empty()) return Stack();
  Stack stack = std::move(spare_stacks_.back());
  spare_stacks_.pop_back();
  return stack;
}

std::optional<Loop::Clock::time_point> Loop::earliest_deadline() const {
  std::optional<Clock::time_point> earliest = curl_deadline_;
  for (const Wait* wait : waits_) {
    if (wait->deadline && (!earliest || *wait->deadline < *earliest)) earliest = wait->deadline;
  }
  return earliest;
}

void Loop::wait_once() {
  std::vector<pollfd> fds;
  fds.push_back({wake_fd_, POLLIN, 0});
  for (const auto& [socket, what] : curl_sockets_) fds.push_back({socket, static_cast<short>(poll_events(what)), 0});
  std::size_t first_wait = fds.size();
  for (const Wait* wait : waits_) fds.insert(fds.end(), wait->fds, wait->fds + wait->count);

  int timeout_ms = -1;
  if (auto deadline = earliest_deadline()) {
    // Rounded up: poll() must not return before the deadline and spin until it passes.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
  }
  // Answers from a runner or from an API on loopback often come within microseconds; waiting
  // for them asleep costs a wake-up that takes longer (util/spin_wait.hpp).
  bool arrived =
      timeout_ms != 0 && spin_.look([&] { return ::poll(fds.data(), fds.size(), 0) > 0; }, util::CallUnderWay::few());
  if (!arrived) {
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
      for (auto& fd : fds) fd.revents = 0;  // EINTR: look again
    }
    if (timeout_ms != 0) spin_.slept();
  }
  if (fds[0].revents != 0) {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t read = ::read(wake_fd_, &count, sizeof count);
  }

  int running = 0;
  for (std::size_t i = 1; i < first_wait; ++i) {
    if (fds[i].revents != 0) curl_multi_socket_action(multi_, fds[i].fd, curl_events(fds[i].revents), &running);
  }
  if (curl_deadline_ && Clock::now() >= *curl_deadline_) {
    curl_deadline_.reset();
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  finish_transfers();

  auto now = Clock::now();
  std::size_t at = first_wait;
  for (Wait* wait : waits_) {
    for (nfds_t i = 0; i < wait->count; ++i, ++at) {
      wait->fds[i].revents = fds[at].revents;
      if (fds[at].revents != 0) ++wait->ready;
    }
    if (wait->ready > 0 || (wait->deadline && now >= *wait->deadline)) {
      wait->done = true;
      ready_.push_back(wait->fiber);
    }
  }
  std::erase_if(waits_, [](const Wait* wait) { return wait->done; });
}

void Loop::finish_transfers() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    auto it = transfers_.find(message->easy_handle);
    if (it == transfers_.end()) continue;
    it->second->result = message->data.result;
    it->second->done = true;
    ready_.push_back(it->second->fiber);
    transfers_.erase(it);
  }
}

int Loop::poll(pollfd* fds, nfds_t count, std::optional<Clock::time_point> deadline) {
  Wait wait{Fiber::current(), fds, count, deadline};
  waits_.push_back(&wait);
  while (!wait.done) Fiber::suspend();
  return wait.ready;
}

CURLcode Loop::perform(CURL* easy) {
  Transfer transfer{Fiber::current()};
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) return CURLE_FAILED_INIT;
  transfers_.emplace(easy, &transfer);
  while (!transfer.done) Fiber::suspend();
  curl_multi_remove_handle(multi_, easy);
  return transfer.result;
}

int Loop::on_curl_socket(CURL*, curl_socket_t socket, int what, void* loop, void*) {
  auto& sockets = static_cast<Loop*>(loop)->curl_sockets_;
  if (what == CURL_POLL_REMOVE) {
    sockets.erase(socket);
  } else {
    sockets[socket] = what;
  }
  return 0;
}

int Loop::on_curl_timer(CURLM*, long timeout_ms, void* loop) {
  auto& deadline = static_cast<Loop*>(loop)->curl_deadline_;
  if (timeout_ms < 0) {
    deadline.reset();
  } else {
    deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace destkit::host::fiber
