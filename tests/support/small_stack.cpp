#include "small_stack.hpp"

#include <pthread.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace destkit::test {

void run_on_small_stack(const std::function<void()>& work, std::size_t stack_bytes) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  int error = pthread_attr_setstacksize(&attributes, stack_bytes);
  pthread_t thread;
  if (error == 0) {
    error = pthread_create(
        &thread, &attributes,
        [](void* w) -> void* {
          (*static_cast<const std::function<void()>*>(w))();
          return nullptr;
        },
        const_cast<std::function<void()>*>(&work));
  }
  pthread_attr_destroy(&attributes);
  if (error != 0) throw std::runtime_error(std::string("cannot start a small-stack thread: ") + std::strerror(error));
  pthread_join(thread, nullptr);
}

}  // namespace destkit::test
