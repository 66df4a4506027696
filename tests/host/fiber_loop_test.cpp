// A fiber loop runs host code that waits on fibers of one thread: waits for time, descriptors,
// HTTP transfers and a mutex suspend only the fiber that waits, and the thread_locals the host
// keeps per fiber follow their fiber across those waits. (Jobs only record what they see: the
// checks run on the test's thread.)
#include "environment.hpp"

#include "fiber/fiber.hpp"
#include "fiber/loop.hpp"
#include "fiber/waits.hpp"
#include "http/client.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

using namespace destkit::test;
using destkit::host::HttpResponse;
using destkit::host::ResolvedRequest;
using destkit::host::send_http;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace fiber = destkit::host::fiber;
using namespace std::chrono_literals;

namespace {

// Counts how many of something are under way at once, and the most seen.
struct Concurrency {
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  void enter() {
    int current = ++now;
    int seen = most;
    while (current > seen && !most.compare_exchange_weak(seen, current)) {
    }
  }
  void leave() { --now; }
};

thread_local int* marker = nullptr;
[[maybe_unused]] const bool marker_kept_per_fiber =
    fiber::keep_per_fiber([](void* value) { return fiber::exchange_local(marker, value); });

}  // namespace

TEST_CASE("a fiber loop runs jobs that sleep side by side on one thread of its own", "[own-isolation]") {
  constexpr int kJobs = 50;
  Concurrency sleeping;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<int> done{0};
  {
    fiber::Loop loop;
    for (int i = 0; i < kJobs; ++i) {
      REQUIRE(loop.post([&] {
        {
          std::lock_guard lock(mutex);
          threads.insert(std::this_thread::get_id());
        }
        sleeping.enter();
        fiber::sleep_for(200ms);
        sleeping.leave();
        ++done;
      }));
    }
    loop.stop();  // returns once every job has ended
    CHECK_FALSE(loop.post([] {}));
  }
  CHECK(done == kJobs);
  CHECK(sleeping.most == kJobs);
  REQUIRE(threads.size() == 1);
  CHECK(*threads.begin() != std::this_thread::get_id());
}

TEST_CASE("a fiber waiting for a descriptor lets the others run, and its deadline ends a wait", "[own-isolation]") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  std::atomic<int> reader_ready{-1};
  std::atomic<int> timed_out_ready{-1};
  char got = 0;
  ssize_t wrote = 0;
  {
    fiber::Loop loop;
    loop.post([&] {
      pollfd p{pipe_fds[0], POLLIN, 0};
      reader_ready = fiber::poll(&p, 1, 20000);
      if (reader_ready == 1 && (p.revents & POLLIN) != 0 && ::read(pipe_fds[0], &got, 1) != 1) got = 0;
    });
    loop.post([&] {
      pollfd never{pipe_fds[1], 0, 0};  // asks for no event: only the deadline ends this wait
      timed_out_ready = fiber::poll(&never, 1, 50);
      wrote = ::write(pipe_fds[1], "x", 1);  // what the first fiber waits for, from this one
    });
    loop.stop();
  }
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  CHECK(timed_out_ready == 0);
  CHECK(wrote == 1);
  CHECK(reader_ready == 1);
  CHECK(got == 'x');
}

TEST_CASE("a thread_local kept per fiber follows its fiber across waits", "[own-isolation]") {
  constexpr int kJobs = 8;
  std::atomic<int> kept{0};
  int outside = 0;
  {
    fiber::Loop loop;
    loop.post([&] { marker = &outside; });  // a value the loop's own stack never sees
    for (int i = 0; i < kJobs; ++i) {
      loop.post([&] {
        int mine = 0;
        if (marker != nullptr) return;  // each fiber starts with its own, empty
        marker = &mine;
        for (int round = 0; round < 3; ++round) {
          fiber::sleep_for(10ms);  // the others set theirs meanwhile
          if (marker != &mine) return;
        }
        marker = nullptr;
        ++kept;
      });
    }
    loop.stop();
  }
  CHECK(kept == kJobs);
}

TEST_CASE("HTTP requests on fibers of one loop are in flight at once", "[own-isolation]") {
  constexpr int kRequests = 12;
  Concurrency answering;
  Server server([&](const Request&) {
    answering.enter();
    std::this_thread::sleep_for(300ms);  // long enough that all are in flight together
    answering.leave();
    return Response::json(200, R"({"ok":true})");
  });
  std::atomic<int> ok{0};
  {
    fiber::Loop loop;
    for (int i = 0; i < kRequests; ++i) {
      loop.post([&] {
        ResolvedRequest r;
        r.url = origin_of(server) + "/thing";
        auto result = send_http(r, {});
        if (auto* response = std::get_if<HttpResponse>(&result); response && response->body == R"({"ok":true})") {
          ++ok;
        }
      });
    }
    loop.stop();
  }
  CHECK(ok == kRequests);
  CHECK(server.request_count() == kRequests);
  CHECK(answering.most == kRequests);
}

TEST_CASE("a fiber::Mutex held across a wait keeps other fibers out, and the loop runs the rest", "[own-isolation]") {
  fiber::Mutex mutex;
  std::atomic<bool> first_done{false};
  std::atomic<bool> second_saw_first_done{false};
  std::atomic<bool> bystander_ran_while_held{false};
  {
    fiber::Loop loop;
    loop.post([&] {
      std::lock_guard lock(mutex);
      fiber::sleep_for(100ms);
      first_done = true;
    });
    loop.post([&] {
      std::lock_guard lock(mutex);  // taken by the first: this fiber waits, not the thread
      second_saw_first_done = first_done.load();
    });
    loop.post([&] {
      fiber::sleep_for(10ms);
      bystander_ran_while_held = !first_done;
    });
    loop.stop();
  }
  CHECK(first_done);
  CHECK(second_saw_first_done);
  CHECK(bystander_ran_while_held);
}
