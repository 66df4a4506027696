#include "util/spin_wait.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using destkit::util::CallUnderWay;
using destkit::util::SpinWait;

namespace {

// How many times a look asked whether a wait that never ends had ended.
int looks_at_nothing(SpinWait& wait) {
  int asked = 0;
  bool arrived = wait.look(
      [&] {
        ++asked;
        return false;
      },
      true);
  REQUIRE_FALSE(arrived);
  return asked;
}

}  // namespace

TEST_CASE("a wait whose answer has come asks once") {
  SpinWait wait;
  int asked = 0;
  CHECK(wait.look([&] { return ++asked == 1; }, true));
  CHECK(asked == 1);
}

TEST_CASE("a wait looks again until its answer comes within the window") {
  // Each look yields the processor: tried again should another thread have kept this one from
  // running for longer than the window.
  bool caught = false;
  for (int attempt = 0; attempt < 20 && !caught; ++attempt) {
    SpinWait wait;
    int asked = 0;
    caught = wait.look([&] { return ++asked == 3; }, true);
    if (caught) CHECK(asked == 3);
  }
  CHECK(caught);
}

TEST_CASE("the window closes while answers come long after it\\, and opens again when one comes soon") {
  SpinWait wait;
  CHECK(looks_at_nothing(wait) > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the answer came long after
  wait.slept();
  CHECK(looks_at_nothing(wait) == 0);  // closed: the next wait sleeps at once
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  wait.slept();
  CHECK(looks_at_nothing(wait) == 0);
  // An answer that came soon after the sleep began: a window would have caught it. (Tried
  // again should this thread have been kept from running past the longest window.)
  bool opened = false;
  for (int attempt = 0; attempt < 20 && !opened; ++attempt) {
    wait.slept();
    opened = looks_at_nothing(wait) > 0;
  }
  CHECK(opened);
}

TEST_CASE("no window opens while more calls wait for other processes than half the processors") {
  CHECK(CallUnderWay::few());
  std::vector<std::unique_ptr<CallUnderWay>> calls;
  calls.push_back(std::make_unique<CallUnderWay>());
  CHECK(CallUnderWay::few());  // one call alone always may look
  unsigned processors = std::max(2u, std::thread::hardware_concurrency());
  while (calls.size() <= processors / 2) calls.push_back(std::make_unique<CallUnderWay>());
  CHECK_FALSE(CallUnderWay::few());
  SpinWait wait;
  int asked = 0;
  CHECK_FALSE(wait.look([&] { return ++asked > 0; }, CallUnderWay::few()));
  CHECK(asked == 0);
  calls.clear();
  CHECK(CallUnderWay::few());
}
