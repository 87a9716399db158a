#pragma once
// Overflow-checked size arithmetic. Every size computed from untrusted input (a spec, a model, a
// data file, a command line) goes through these, so that a crafted value gives an error instead
// of a wrapped size that later indexes out of bounds.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>

namespace nin {

// a × b, or nothing when the product does not fit in T.
template <std::integral T>
constexpr std::optional<T> checked_mul(T a, T b) {
  T out{};
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// a + b, or nothing when the sum does not fit in T.
template <std::integral T>
constexpr std::optional<T> checked_add(T a, T b) {
  T out{};
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// The product of all factors, or nothing when any partial product overflows.
constexpr std::optional<std::int64_t> checked_product(std::initializer_list<std::int64_t> factors) {
  std::int64_t out = 1;
  for (const auto f : factors)
    if (__builtin_mul_overflow(out, f, &out)) return std::nullopt;
  return out;
}

// The product of non-negative factors, or INT64_MAX when it overflows: a saturated size fails
// every "at most N" check that follows, where a wrapped one could pass it.
constexpr std::int64_t saturating_product(std::initializer_list<std::int64_t> factors) {
  return checked_product(factors).value_or(std::numeric_limits<std::int64_t>::max());
}

}  // namespace nin
