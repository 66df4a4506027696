// small_stack — runs work on a thread with a small stack, where code that recurses once per
// input character overflows (and crashes the test) long before it would on the main thread.
#pragma once

#include <cstddef>
#include <functional>

namespace destkit::test {

// Runs `work` on a new thread with a stack of `stack_bytes` and waits for it to finish.
void run_on_small_stack(const std::function<void()>& work, std::size_t stack_bytes = 256 * 1024);

}  // namespace destkit::test
