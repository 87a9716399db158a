#pragma once
// Sums over long rows, vectorised with a fixed set of double-precision lanes combined in a fixed
// order: fast (no loop-carried dependence on one accumulator) and the same bits on every run.

#include <cstdint>

namespace nin {

namespace detail {
constexpr int kLanes = 16;
constexpr int kBlock = 16;  // iterations of float lanes before they are added to double ones
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

// Σ (x − shift) and Σ (x − shift)², for statistics summed over parts of a batch: every part uses
// the same shift (a running mean), which keeps the difference of squares well conditioned; the
// differences are taken in double, so the sums hardly depend on the shift.
struct ShiftedSums {
  double sum = 0, square = 0;
};
inline ShiftedSums row_shifted_sums(const float* __restrict x, std::int64_t n, double shift) {
  double sum[detail::kLanes] = {}, square[detail::kLanes] = {};
  std::int64_t i = 0;
  for (; i + detail::kLanes <= n; i += detail::kLanes)
    for (int j = 0; j < detail::kLanes; ++j) {
      const double d = static_cast<double>(x[i + j]) - shift;
      sum[j] += d;
      square[j] += d * d;
    }
  for (int j = 0; i < n; ++i, ++j) {
    const double d = static_cast<double>(x[i]) - shift;
    sum[j] += d;
    square[j] += d * d;
  }
  return {detail::combine(sum), detail::combine(square)};
}

// Batch-norm backward's sums: zeroes dy where mask ≤ 0 (when mask is given: a fused ReLU's
// output) and returns Σ dy and Σ dy·x, in one pass (the activations are too large for the cache, so
// passes cost more than arithmetic). Each run of kBlock·kLanes values is summed in float lanes and
// then added to double lanes, so the float sums stay short.
struct SumDot {
  double sum = 0, dot = 0;
};
inline SumDot masked_sum_dot(float* __restrict dy, const float* __restrict mask,
                             const float* __restrict x, std::int64_t n) {
  double sum[detail::kLanes] = {}, dot[detail::kLanes] = {};
  constexpr std::int64_t kRun = detail::kBlock * detail::kLanes;
  std::int64_t i = 0;
  for (; i + kRun <= n; i += kRun) {
    float run_sum[detail::kLanes] = {}, run_dot[detail::kLanes] = {};
    for (std::int64_t b = 0; b < kRun; b += detail::kLanes)
      for (int j = 0; j < detail::kLanes; ++j) {
        const std::int64_t at = i + b + j;
        const float g = !mask || mask[at] > 0.0f ? dy[at] : 0.0f;
        dy[at] = g;
        run_sum[j] += g;
        run_dot[j] += g * x[at];
      }
    for (int j = 0; j < detail::kLanes; ++j) {
      sum[j] += run_sum[j];
      dot[j] += run_dot[j];
    }
  }
  for (int j = 0; i < n; ++i, j = (j + 1) % detail::kLanes) {
    const float g = !mask || mask[i] > 0.0f ? dy[i] : 0.0f;
    dy[i] = g;
    sum[j] += g;
    dot[j] += static_cast<double>(g) * static_cast<double>(x[i]);
  }
  return {detail::combine(sum), detail::combine(dot)};
}

}  // namespace nin
