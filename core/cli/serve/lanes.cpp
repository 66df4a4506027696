#include "lanes.hpp"

#include <algorithm>

namespace destkit::cli::serve {

bool WaitingJobs::push(LaneJob job, std::vector<LaneJob>& cancelled) {
  if (jobs_.size() >= capacity_) {
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->abandoned && it->abandoned()) {
        cancelled.push_back(std::move(*it));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
    if (jobs_.size() >= capacity_) return false;
  }
  jobs_.push_back(std::move(job));
  return true;
}

LaneJob WaitingJobs::pop() {
  LaneJob job = std::move(jobs_.front());
  jobs_.pop_front();
  return job;
}

void cancel(std::vector<LaneJob>& cancelled) {
  for (LaneJob& job : cancelled) {
    if (job.cancel) job.cancel();
  }
  cancelled.clear();
}

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

Lane& lane_named(std::map<std::string, Lane>& lanes, const std::string& name, std::size_t per_lane) {
  return lanes.try_emplace(name, Lane{WaitingJobs(JobLanes::kWaitingPerLaneShare * per_lane)}).first->second;
}

bool Lanes::post(const std::string& lane, LaneJob job) {
  bool takes_a_worker = false;
  std::vector<LaneJob> cancelled;
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    Lane& queue = lane_named(lanes_, lane, per_lane_);
    queued = queue.waiting.push(std::move(job), cancelled);
    // Wakes a worker only for a job a worker may start now: while the lane is full, the next
    // worker to finish in it takes the job.
    takes_a_worker = queued && queue.running + queue.waiting.size() <= per_lane_;
  }
  cancel(cancelled);
  if (takes_a_worker) ready_.notify_one();
  return queued;
}

std::map<std::string, Lane>::iterator Lanes::next_runnable() {
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
    std::function<void()> job = lane->second.waiting.pop().run;
    ++lane->second.running;
    last_served_ = name;
    lock.unlock();
    job();  // jobs catch their own exceptions: a reply is owed whatever happens
    job = nullptr;
    lock.lock();
    Lane& done = lane_named(lanes_, name, per_lane_);
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
