#pragma once
// A value-or-error return type for fallible operations (C++20 has no std::expected).
// Usage:
//   Expected<int, ParseError> ParsePort(std::string_view text);
//   auto port = ParsePort("80");
//   if (!port) { Report(port.error()); } else { Use(*port); }

#include <cassert>
#include <optional>
#include <utility>
#include <variant>

namespace hello {

/// Wraps an error so that it converts into any Expected<T, E>.
template <typename E>
struct Unexpected {
  E error;
};

template <typename E>
Unexpected<std::decay_t<E>> MakeUnexpected(E&& error) {
  return Unexpected<std::decay_t<E>>{std::forward<E>(error)};
}

/// Holds either a T or an E. Accessing the wrong alternative is a programming error (asserted).
template <typename T, typename E>
class Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Expected(Unexpected<E> error)                                            // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(error.error)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return Get<0>(); }
  const T& value() const& { return Get<0>(); }
  T&& value() && { return std::move(Get<0>()); }
  T& operator*() & { return Get<0>(); }
  const T& operator*() const& { return Get<0>(); }
  T* operator->() { return &Get<0>(); }
  const T* operator->() const { return &Get<0>(); }

  const E& error() const& { return Get<1>(); }
  E&& error() && { return std::move(Get<1>()); }

 private:
  template <std::size_t I>
  auto& Get() {
    assert(state_.index() == I);
    return *std::get_if<I>(&state_);
  }
  template <std::size_t I>
  const auto& Get() const {
    assert(state_.index() == I);
    return *std::get_if<I>(&state_);
  }

  std::variant<T, E> state_;
};

/// Success carries no value: only the error, if any.
template <typename E>
class Expected<void, E> {
 public:
  Expected() = default;
  Expected(Unexpected<E> error) : error_(std::move(error.error)) {}  // NOLINT: implicit

  bool has_value() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  const E& error() const& {
    assert(error_.has_value());
    return *error_;
  }
  E&& error() && {
    assert(error_.has_value());
    return std::move(*error_);
  }

 private:
  std::optional<E> error_;
};

}  // namespace hello
