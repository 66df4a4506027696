// lanes — the worker threads that run plugin hooks, with a bounded share per destination.
//
// Why threads, and why lanes: a hook is a synchronous C call into the plugin (testRequest
// blocks in request_send while the partner's API answers), so a call in flight holds a thread
// whatever the service does around it. The service therefore runs hooks on a fixed pool of
// worker threads, never on the thread that accepts and reads connections, and lets each
// destination occupy at most `per_lane` of them at once; its further calls wait in its own
// queue without holding a thread. A destination whose API takes 5 s to answer fills its share
// and queues the rest, while the other destinations' calls find free threads and keep their
// latency. With the defaults (64 threads, 16 per destination) three destinations can be slow
// at once before a fourth has to wait; --workers raises both. A lane's queue is bounded too.
//
// A destination whose hooks run in a runner process needs no thread while its call waits: its
// calls go to FiberLanes (fiber_lanes.hpp), which keep the same shares without the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace destkit::cli::serve {

// A job for a lane: the work, and what to do instead once nobody waits for its answer.
struct LaneJob {
  std::function<void()> run;
  // Whether nobody waits for the job's answer any more (its client left). Empty: never.
  std::function<bool()> abandoned{};
  // Answers an abandoned job without running it; called at once, on the thread that posts.
  std::function<void()> cancel{};
};

// A lane's jobs waiting to run, at most `capacity` of them. A job whose client left gives up
// its place to a new one: otherwise clients that send a test and close their connection would
// hold a destination's queue full until each was taken, and every other client got 503.
class WaitingJobs {
 public:
  explicit WaitingJobs(std::size_t capacity) : capacity_(capacity) {}
  // Queues `job`; false when `capacity` jobs wait, none of them abandoned. Abandoned jobs
  // removed to make room are moved into `cancelled`, to be cancelled once no lock is held.
  bool push(LaneJob job, std::vector<LaneJob>& cancelled);
  LaneJob pop();
  bool empty() const { return jobs_.empty(); }
  std::size_t size() const { return jobs_.size(); }

 private:
  std::size_t capacity_;
  std::deque<LaneJob> jobs_;
};

// Cancels the jobs WaitingJobs::push removed.
void cancel(std::vector<LaneJob>& cancelled);

// Where the service runs work that may wait: a job per lane at most per_lane() at a time.
class JobLanes {
 public:
  virtual ~JobLanes() = default;
  // Runs `job` once `lane` has fewer than per_lane() jobs running. False, and `job` dropped,
  // when kWaitingPerLaneShare × per_lane() jobs of the lane wait already and none of them is
  // abandoned: a destination whose API hangs cannot queue without bound, nor hold every
  // connection.
  virtual bool post(const std::string& lane, LaneJob job) = 0;
  virtual std::size_t per_lane() const = 0;
  static constexpr std::size_t kWaitingPerLaneShare = 4;
};

// One lane's jobs: those running, and those waiting (at most kWaitingPerLaneShare × per_lane).
struct Lane {
  WaitingJobs waiting;
  std::size_t running = 0;
};
// The lane `name` of `lanes`, made empty if it is not there.
Lane& lane_named(std::map<std::string, Lane>& lanes, const std::string& name, std::size_t per_lane);

class Lanes final : public JobLanes {
 public:
  Lanes(std::size_t threads, std::size_t per_lane);
  ~Lanes();  // stop()
  // Finishes every job already queued, then joins the threads. The service calls it before
  // the event loop that jobs post their replies to is destroyed.
  void stop();
  Lanes(const Lanes&) = delete;
  Lanes& operator=(const Lanes&) = delete;

  // Runs `job` on a worker thread (JobLanes::post).
  bool post(const std::string& lane, LaneJob job) override;

  std::size_t threads() const { return workers_.size(); }
  std::size_t per_lane() const override { return per_lane_; }

 private:
  void work();
  // A lane with a job waiting and room to run it, taken round-robin after the last one served.
  std::map<std::string, Lane>::iterator next_runnable();
  // Waiting jobs that have room to run in their lanes.
  std::size_t jobs_that_may_start() const;

  std::size_t per_lane_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::map<std::string, Lane> lanes_;
  std::string last_served_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace destkit::cli::serve
