// fiber/fiber — host code that waits, run on a stack of its own so that waiting holds no thread.
//
// A credential test of an isolated plugin is host code from end to end: it waits for the
// runner's messages and for the partner's API, and does little else. Run on a fiber of a
// fiber::Loop (loop.hpp), each of those waits suspends the fiber and lets the loop's thread run
// the other calls, so a call in flight costs a stack, not a thread. Plugin code never runs on a
// fiber: in-process hooks may keep state in their thread (abi.h, THREADING).
//
// Code that does not know whether it runs on a fiber waits through waits.hpp, which blocks the
// thread when it does not.
#pragma once

#include <ucontext.h>
#include <cstddef>
#include <functional>

namespace destkit::host::fiber {

// Swaps a thread_local pointer of the host's with `value`, returning the one it held.
using LocalExchange = void* (*)(void* value);

// Makes a thread_local pointer follow the code that set it: while a fiber is suspended, the
// pointer it set is put away, and the thread sees what it held outside the fiber. Called once
// per variable, at static initialisation (`kept_per_fiber` below); at most kMaxLocals.
bool keep_per_fiber(LocalExchange exchange) noexcept;
inline constexpr std::size_t kMaxLocals = 8;

template <class T>
void* exchange_local(T*& variable, void* value) {
  T* previous = variable;
  variable = static_cast<T*>(value);
  return const_cast<void*>(static_cast<const void*>(previous));
}

// A fiber's stack: kBytes above a guard page. Mapping and unmapping one costs every thread
// of the process a TLB flush, so a loop keeps those of ended fibers for the next.
class Stack {
 public:
  Stack();  // throws std::system_error when no memory can be mapped
  ~Stack();
  Stack(Stack&& other) noexcept;
  Stack& operator=(Stack&& other) noexcept;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Large enough for the host's deepest call path (a credential test with its nested hooks,
  // JSON and redaction); only the pages touched are ever resident.
  static constexpr std::size_t kBytes = 1024 * 1024;
  char* base() const;  // the lowest address of the stack proper, above the guard page

 private:
  char* mapping_ = nullptr;
};

class Fiber {
 public:
  // `job` must not throw.
  Fiber(std::function<void()> job, Stack stack);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Runs the fiber on the calling thread until it suspends or its job returns.
  void resume();
  bool finished() const { return finished_; }
  // The stack of a finished fiber, for the next one.
  Stack take_stack() { return std::move(stack_); }

  // The fiber running on this thread, or null.
  static Fiber* current();
  // From the running fiber: back to the resume() that ran it.
  static void suspend();

 private:
  static void start(unsigned high, unsigned low);
  void switch_locals();

  std::function<void()> job_;
  Stack stack_;
  ucontext_t context_{};
  ucontext_t* caller_ = nullptr;  // where suspend() returns to
  bool finished_ = false;
  void* locals_[kMaxLocals] = {};
  // What the sanitizers need to follow a switch of stacks.
  void* fake_stack_ = nullptr;
  const void* caller_stack_ = nullptr;
  std::size_t caller_stack_bytes_ = 0;
  void* tsan_fiber_ = nullptr;
  void* tsan_caller_ = nullptr;
};

}  // namespace destkit::host::fiber
