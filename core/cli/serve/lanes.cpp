#include "lanes.hpp"

#include <algorithm>

namespace destkit::cli::serve {

Lanes::Lanes(std::size_t threads, std::size_t per_lane) : per_lane_(per_lane == 0 ? 1 : per_lane) {
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

Lanes::~Lanes() { stop(); }

void Lanes::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();  // stop() may run twice: by the service, then the destructor
  }
}

void Lanes::post(const std::string& lane, std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    lanes_[lane].waiting.push_back(std::move(job));
  }
  ready_.notify_one();
}

std::map<std::string, Lanes::Lane>::iterator Lanes::next_runnable() {
  auto runnable = [&](const Lane& lane) { return !lane.waiting.empty() && lane.running < per_lane_; };
  auto start = lanes_.upper_bound(last_served_);
  for (auto it = start; it != lanes_.end(); ++it) {
    if (runnable(it->second)) return it;
  }
  for (auto it = lanes_.begin(); it != start; ++it) {
    if (runnable(it->second)) return it;
  }
  return lanes_.end();
}

void Lanes::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto lane = next_runnable();
    if (lane == lanes_.end()) {
      bool queued = std::any_of(lanes_.begin(), lanes_.end(), [](const auto& l) { return !l.second.waiting.empty(); });
      if (stopping_ && !queued) return;
      ready_.wait(lock);
      continue;
    }
    std::string name = lane->first;
    std::function<void()> job = std::move(lane->second.waiting.front());
    lane->second.waiting.pop_front();
    ++lane->second.running;
    last_served_ = name;
    lock.unlock();
    job();  // jobs catch their own exceptions: a reply is owed whatever happens
    job = nullptr;
    lock.lock();
    Lane& done = lanes_[name];
    --done.running;
    bool more = !done.waiting.empty();
    if (!more && done.running == 0) lanes_.erase(name);
    if (stopping_) {
      ready_.notify_all();
    } else if (more) {
      ready_.notify_one();
    }
  }
}

}  // namespace destkit::cli::serve
