#include "fiber/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define DESTKIT_ASAN_FIBERS 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define DESTKIT_TSAN_FIBERS 1
#endif

namespace destkit::host::fiber {
namespace {

// Filled at static initialisation, read only afterwards.
LocalExchange registered_locals[kMaxLocals] = {};
std::atomic<std::size_t> registered_count{0};

thread_local Fiber* running = nullptr;

#ifdef DESTKIT_ASAN_FIBERS
// AddressSanitizer's own swapcontext writes a warning to standard error on its first use (into
// serve's JSON log) and clears the shadow of the whole stack it switches to, live frames
// included. Every switch here is announced to it instead (start/finish_switch_fiber), and a
// stack is cleared when a fiber is made on it, so the C library's swapcontext is called itself.
using SwapContext = int (*)(ucontext_t*, const ucontext_t*);
SwapContext c_library_swapcontext() {
  static const SwapContext real = [] {
    void* library = ::dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void* symbol = library != nullptr ? ::dlsym(library, "swapcontext") : nullptr;
    return symbol != nullptr ? reinterpret_cast<SwapContext>(symbol) : &::swapcontext;
  }();
  return real;
}
int switch_context(ucontext_t* from, const ucontext_t* to) { return c_library_swapcontext()(from, to); }
#else
int switch_context(ucontext_t* from, const ucontext_t* to) { return ::swapcontext(from, to); }
#endif

std::size_t page_bytes() {
  static const std::size_t bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

}  // namespace

bool keep_per_fiber(LocalExchange exchange) noexcept {
  std::size_t index = registered_count.fetch_add(1);
  if (index >= kMaxLocals) std::terminate();  // a programming error, found at start
  registered_locals[index] = exchange;
  return true;
}

Stack::Stack() {
  void* mapped = ::mmap(nullptr, kBytes + page_bytes(), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mapped == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "a fiber's stack");
  mapping_ = static_cast<char*>(mapped);
  ::mprotect(mapping_, page_bytes(), PROT_NONE);  // an overflow faults instead of writing past the stack
}

Stack::~Stack() {
  if (mapping_ != nullptr) ::munmap(mapping_, kBytes + page_bytes());
}

Stack::Stack(Stack&& other) noexcept : mapping_(std::exchange(other.mapping_, nullptr)) {}

Stack& Stack::operator=(Stack&& other) noexcept {
  std::swap(mapping_, other.mapping_);
  return *this;
}

char* Stack::base() const { return mapping_ + page_bytes(); }

Fiber::Fiber(std::function<void()> job, Stack stack) : job_(std::move(job)), stack_(std::move(stack)) {
#ifdef DESTKIT_ASAN_FIBERS
  __asan_unpoison_memory_region(stack_.base(), Stack::kBytes);  // what an earlier fiber left marked
#endif
  ::getcontext(&context_);  // cannot fail: it only reads registers
  context_.uc_stack.ss_sp = stack_.base();
  context_.uc_stack.ss_size = Stack::kBytes;
  context_.uc_link = nullptr;  // start() never returns: it switches back itself
  auto address = reinterpret_cast<std::uintptr_t>(this);
  ::makecontext(&context_, reinterpret_cast<void (*)()>(&Fiber::start), 2, static_cast<unsigned>(address >> 32),
                static_cast<unsigned>(address & 0xffffffffu));
#ifdef DESTKIT_TSAN_FIBERS
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
}

Fiber::~Fiber() {
#ifdef DESTKIT_TSAN_FIBERS
  if (tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
#endif
}

Fiber* Fiber::current() { return running; }

void Fiber::switch_locals() {
  std::size_t count = registered_count.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < count && i < kMaxLocals; ++i) locals_[i] = registered_locals[i](locals_[i]);
}

void Fiber::resume() {
  ucontext_t caller;
  caller_ = &caller;
  Fiber* outer = running;
  running = this;
  switch_locals();  // the thread now sees the fiber's values
#ifdef DESTKIT_ASAN_FIBERS
  void* caller_fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&caller_fake_stack, stack_.base(), Stack::kBytes);
#endif
#ifdef DESTKIT_TSAN_FIBERS
  tsan_caller_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
  switch_context(&caller, &context_);
#ifdef DESTKIT_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(caller_fake_stack, nullptr, nullptr);
#endif
  switch_locals();  // and the caller's again
  running = outer;
  caller_ = nullptr;
}

void Fiber::suspend() {
  Fiber* self = running;
  if (self == nullptr) return;
#ifdef DESTKIT_ASAN_FIBERS
  __sanitizer_start_switch_fiber(self->finished_ ? nullptr : &self->fake_stack_, self->caller_stack_,
                                 self->caller_stack_bytes_);
#endif
#ifdef DESTKIT_TSAN_FIBERS
  __tsan_switch_to_fiber(self->tsan_caller_, 0);
#endif
  switch_context(&self->context_, self->caller_);
  // Resumed, perhaps by another resume() than the last: its stack is the one to go back to.
#ifdef DESTKIT_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(self->fake_stack_, &self->caller_stack_, &self->caller_stack_bytes_);
#endif
}

void Fiber::start(unsigned high, unsigned low) {
  auto* self = reinterpret_cast<Fiber*>((static_cast<std::uintptr_t>(high) << 32) | low);
#ifdef DESTKIT_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(nullptr, &self->caller_stack_, &self->caller_stack_bytes_);
#endif
  self->job_();
  self->job_ = nullptr;  // what the job held goes now, on this stack
  self->finished_ = true;
  suspend();  // never resumed again
  std::terminate();
}

}  // namespace destkit::host::fiber
