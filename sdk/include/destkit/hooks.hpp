// destkit/hooks.hpp — the types of a destination's hooks: std::functions that accept any
// callable of the right shape and, for one of the wrong shape, stop the build with a single
// sentence saying what was expected (instead of a page of std::function errors).
#pragma once

#include <destkit/request.hpp>
#include <destkit/settings.hpp>

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

namespace destkit {

namespace detail {

template <class Signature>
class Hook;

template <class Result, class... Args>
class Hook<Result(Args...)> : public std::function<Result(Args...)> {
 public:
  Hook() = default;
  Hook(std::nullptr_t) {}

 protected:
  template <class F>
  static constexpr bool fits = std::is_invocable_r_v<Result, F&, Args...>;

  struct Accepted {
    std::function<Result(Args...)> function;
  };
  explicit Hook(Accepted accepted) : std::function<Result(Args...)>(std::move(accepted.function)) {}

  // Only a callable that fits reaches std::function, so a wrong one yields nothing but the
  // caller's static_assert.
  template <class F>
  static Accepted accept(F&& f) {
    if constexpr (fits<std::decay_t<F>>) {
      return {std::function<Result(Args...)>(std::forward<F>(f))};
    } else {
      return {};
    }
  }
};

}  // namespace detail

struct TestRequestHook : detail::Hook<void(Request&, const Input&)> {
  using Hook::Hook;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TestRequestHook>>>
  TestRequestHook(F&& f) : Hook(accept(std::forward<F>(f))) {
    static_assert(fits<std::decay_t<F>>,
                  "testRequest must be callable as "
                  "[](destkit::Request& request, const destkit::Input& input) { ... }");
  }
};

struct RefreshAccessTokenHook : detail::Hook<Tokens(Request&, const RefreshInput&)> {
  using Hook::Hook;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RefreshAccessTokenHook>>>
  RefreshAccessTokenHook(F&& f) : Hook(accept(std::forward<F>(f))) {
    static_assert(fits<std::decay_t<F>>,
                  "refreshAccessToken must be callable as "
                  "[](destkit::Request& request, const destkit::RefreshInput& input) -> destkit::Tokens { ... }");
  }
};

struct ExtendRequestHook : detail::Hook<RequestOptions(const Input&)> {
  using Hook::Hook;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, ExtendRequestHook>>>
  ExtendRequestHook(F&& f) : Hook(accept(std::forward<F>(f))) {
    static_assert(fits<std::decay_t<F>>,
                  "extendRequest must be callable as "
                  "[](const destkit::Input& input) -> destkit::RequestOptions { ... }");
  }
};

}  // namespace destkit
