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

bool Lanes::post(const std::string& lane, std::function<void()> job) {
  bool takes_a_worker = false;
  {
    std::lock_guard lock(mutex_);
    Lane& queue = lanes_[lane];
    if (queue.waiting.size() >= kWaitingPerLaneShare * per_lane_) return false;
    queue.waiting.push_back(std::move(job));
    // Wakes a worker only for a job a worker may start now: while the lane is full, the next
    // worker to finish in it takes the job.
    takes_a_worker = queue.running + queue.waiting.size() <= per_lane_;
  }
  if (takes_a_worker) ready_.notify_one();
  return true;
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

std::size_t Lanes::jobs_that_may_start() const {
  std::size_t jobs = 0;
  for (const auto& [name, lane] : lanes_) {
    if (lane.running < per_lane_) jobs += std::min(lane.waiting.size(), per_lane_ - lane.running);
  }
  return jobs;
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
    if (done.waiting.empty() && done.running == 0) lanes_.erase(name);
    // This worker takes the next job that may start; another is woken only for a second one.
    if (stopping_) {
      ready_.notify_all();
    } else if (jobs_that_may_start() > 1) {
      ready_.notify_one();
    }
  }
}

}  // namespace destkit::cli::serve
