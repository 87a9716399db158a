#pragma once
// Sums over long rows, vectorised with a fixed set of double-precision lanes combined in a fixed
// order: fast (no loop-carried dependence on one accumulator) and the same bits on every run.

#include <cstdint>

namespace nin {

namespace detail {
constexpr int kLanes = 16;
inline double combine(const double (&lanes)[kLanes]) {
  double total = 0.0;
  for (int j = 0; j < kLanes; ++j) total += lanes[j];
  return total;
}
}  // namespace detail

// Σ x[i]
inline double row_sum(const float* __restrict x, std::int64_t n) {
  double lanes[detail::kLanes] = {};
  std::int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int j = 0; j < detail::kLanes; ++j) lanes[j] += x[i + j];
  for (int j = 0; i < n; ++i, ++j) lanes[j] += x[i];
  return detail::combine(lanes);
}

// Σ x[i]·y[i]
inline double row_dot(const float* __restrict x, const float* __restrict y, std::int64_t n) {
  double lanes[detail::kLanes] = {};
  std::int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int j = 0; j < detail::kLanes; ++j)
      lanes[j] += static_cast<double>(x[i + j]) * static_cast<double>(y[i + j]);
  for (int j = 0; i < n; ++i, ++j)
    lanes[j] += static_cast<double>(x[i]) * static_cast<double>(y[i]);
  return detail::combine(lanes);
}

// Σ (x[i] − mean)²
inline double row_squared_deviation(const float* __restrict x, std::int64_t n, double mean) {
  double lanes[detail::kLanes] = {};
  std::int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int j = 0; j < detail::kLanes; ++j) {
      const double d = x[i + j] - mean;
      lanes[j] += d * d;
    }
  for (int j = 0; i < n; ++i, ++j) {
    const double d = x[i] - mean;
    lanes[j] += d * d;
  }
  return detail::combine(lanes);
}

}  // namespace nin
