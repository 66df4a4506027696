// fiber_lanes — lanes whose jobs run on fibers: a call in flight holds a stack, not a thread.
//
// For destinations whose hooks run in a runner process, a credential test is host code that
// waits: for the runner's messages and for the partner's API (fiber/fiber.hpp). Their jobs run
// on a few fiber loops, one thread each, which wait for every call in flight at once and share
// one connection cache per loop. The shares are Lanes' (lanes.hpp): at most per_lane calls of a
// destination run at once, and kWaitingPerLaneShare × per_lane more may wait.
#pragma once

#include "lanes.hpp"

#include "fiber/loop.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <vector>

namespace destkit::cli::serve {

class FiberLanes final : public JobLanes {
 public:
  FiberLanes(std::size_t loops, std::size_t per_lane);
  ~FiberLanes() override;  // stop()
  // Finishes every job already posted, then ends the loops' threads.
  void stop();

  bool post(const std::string& lane, LaneJob job) override;
  std::size_t per_lane() const override { return per_lane_; }

 private:
  // Starts `job` of `lane` on the next loop; the caller counted it as running.
  void start(const std::string& lane, std::function<void()> job);
  // A job of `lane` ended: its next waiting job starts in its place.
  void finished(const std::string& lane);

  std::size_t per_lane_;
  std::vector<std::unique_ptr<host::fiber::Loop>> loops_;
  std::atomic<std::size_t> next_loop_{0};
  std::mutex mutex_;  // guards lanes_
  std::map<std::string, Lane> lanes_;
};

}  // namespace destkit::cli::serve
