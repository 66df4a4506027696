#include "fiber_lanes.hpp"

namespace destkit::cli::serve {

FiberLanes::FiberLanes(std::size_t loops, std::size_t per_lane) : per_lane_(per_lane == 0 ? 1 : per_lane) {
  loops_.reserve(loops);
  for (std::size_t i = 0; i < std::max<std::size_t>(loops, 1); ++i)
    loops_.push_back(std::make_unique<host::fiber::Loop>());
}

FiberLanes::~FiberLanes() { stop(); }

void FiberLanes::stop() {
  // A loop ends once its fibers have. A job that finishes meanwhile starts its lane's next one
  // on a loop not stopped yet or, once all are stopping, on its own fiber (start()).
  for (auto& loop : loops_) loop->stop();
}

bool FiberLanes::post(const std::string& lane, LaneJob job) {
  std::vector<LaneJob> cancelled;
  bool starts_now = false;
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    Lane& queue = lane_named(lanes_, lane, per_lane_);
    starts_now = queue.running < per_lane_;
    if (starts_now) {
      ++queue.running;
    } else {
      queued = queue.waiting.push(std::move(job), cancelled);
    }
  }
  cancel(cancelled);
  if (starts_now) start(lane, std::move(job.run));
  return starts_now || queued;
}

void FiberLanes::start(const std::string& lane, std::function<void()> job) {
  auto run = [this, lane, job = std::move(job)] {
    job();  // jobs catch their own exceptions: a reply is owed whatever happens
    finished(lane);
  };
  std::size_t first = next_loop_.fetch_add(1) % loops_.size();
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    if (loops_[(first + i) % loops_.size()]->post(run)) return;
  }
  run();  // every loop is stopping, which serve does once it takes no requests: the caller (a
          // job that just finished) runs it
}

void FiberLanes::finished(const std::string& lane) {
  std::function<void()> next;
  {
    std::lock_guard lock(mutex_);
    Lane& queue = lane_named(lanes_, lane, per_lane_);
    if (queue.waiting.empty()) {
      if (--queue.running == 0) lanes_.erase(lane);
      return;
    }
    next = queue.waiting.pop().run;
  }
  start(lane, std::move(next));
}

}  // namespace destkit::cli::serve
