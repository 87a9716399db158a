#pragma once
// Helpers shared by the numerical unit tests: deterministic test data, comparisons that report the
// worst offenders, and central finite differences.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "nin/core/random.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"

namespace nin::test {

// Deterministic test data, independent of platform and standard library.
inline std::int64_t random_int(std::uint64_t seed, std::uint64_t index, std::int64_t lo,
                               std::int64_t hi) {
  return lo + static_cast<std::int64_t>(random_bits(seed, 7, index) %
                                        static_cast<std::uint64_t>(hi - lo + 1));
}
inline float random_real(std::uint64_t seed, std::uint64_t index, float lo, float hi) {
  return lo + (hi - lo) * random_uniform(seed, 11, index);
}
inline std::vector<float> random_ints(std::int64_t count, std::uint64_t seed, std::int64_t lo,
                                      std::int64_t hi) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(random_int(seed, i, lo, hi));
  return v;
}
inline std::vector<float> random_reals(std::int64_t count, std::uint64_t seed, float lo, float hi) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = random_real(seed, i, lo, hi);
  return v;
}
// A random permutation of 0..count−1 (distinct values: no ties for max pooling).
inline std::vector<float> random_distinct(std::int64_t count, std::uint64_t seed) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[random_bits(seed, 13, i) % i]);
  return v;
}

template <typename T>
std::vector<double> to_double(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}
inline std::vector<double> to_double(const float* data, std::int64_t count) {
  return std::vector<double>(data, data + count);
}
inline std::vector<float> to_float(const std::vector<double>& v) {
  std::vector<float> r(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) r[i] = static_cast<float>(v[i]);
  return r;
}

// Up to `limit` distinct indices in [0, count), all of them when count ≤ limit; always includes
// the first and the last index (edges are where layers go wrong).
inline std::vector<std::int64_t> sample_indices(std::int64_t count, std::int64_t limit,
                                                std::uint64_t seed) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) all[static_cast<std::size_t>(i)] = i;
  if (count <= limit) return all;
  for (std::size_t i = all.size() - 1; i > 1; --i)
    std::swap(all[i - 1], all[1 + random_bits(seed, 17, i) % (i - 1)]);  // keeps 0 and count−1
  std::vector<std::int64_t> picked(all.begin(), all.begin() + (limit - 1));
  picked.push_back(count - 1);
  std::sort(picked.begin(), picked.end());
  return picked;
}

// Outcome of an element-wise comparison: passes when every |actual − expected| ≤
// rtol·max(|actual|, |expected|) + atol.
struct Comparison {
  std::int64_t checked = 0;
  std::int64_t failed = 0;
  double worst_error = 0.0;
  std::string report;  // the first failures, one per line
  bool ok() const { return failed == 0 && checked > 0; }
};

template <typename A, typename E>
Comparison compare(const std::vector<A>& actual, const std::vector<E>& expected, double rtol,
                   double atol) {
  Comparison r;
  std::ostringstream report;
  report.precision(9);
  if (actual.size() != expected.size()) {
    r.failed = 1;
    r.report =
        "sizes differ: " + std::to_string(actual.size()) + " vs " + std::to_string(expected.size());
    return r;
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = static_cast<double>(actual[i]), e = static_cast<double>(expected[i]);
    const double error = std::abs(a - e);
    ++r.checked;
    if (!(error <= rtol * std::max(std::abs(a), std::abs(e)) + atol)) {  // NaN fails too
      if (r.failed < 8) report << "\n  [" << i << "] got " << a << ", expected " << e;
      ++r.failed;
    }
    if (!(error <= r.worst_error)) r.worst_error = error;
  }
  r.report = report.str();
  return r;
}

// Largest magnitude of a vector (to scale absolute tolerances to the data).
template <typename T>
double max_abs(const std::vector<T>& v) {
  double m = 0.0;
  for (const auto& x : v) m = std::max(m, std::abs(static_cast<double>(x)));
  return m;
}

// Central differences of loss() with respect to values[i] for each i in indices. The denominator
// is the step actually taken after rounding to float, and values are restored afterwards.
inline std::vector<double> numeric_gradient(float* values, const std::vector<std::int64_t>& indices,
                                            float eps, const std::function<double()>& loss) {
  std::vector<double> g;
  g.reserve(indices.size());
  for (const std::int64_t i : indices) {
    const float saved = values[i];
    const float plus = saved + eps, minus = saved - eps;
    values[i] = plus;
    const double loss_plus = loss();
    values[i] = minus;
    const double loss_minus = loss();
    values[i] = saved;
    g.push_back((loss_plus - loss_minus) / (static_cast<double>(plus) - minus));
  }
  return g;
}

template <typename T>
std::vector<double> pick(const std::vector<T>& v, const std::vector<std::int64_t>& indices) {
  std::vector<double> r;
  for (const auto i : indices) r.push_back(static_cast<double>(v[static_cast<std::size_t>(i)]));
  return r;
}
inline std::vector<double> pick(const float* v, const std::vector<std::int64_t>& indices) {
  std::vector<double> r;
  for (const auto i : indices) r.push_back(static_cast<double>(v[i]));
  return r;
}

// Σ out_i · weights_i in double: a scalar loss whose gradient with respect to out is `weights`.
inline double weighted_sum(const float* out, const std::vector<float>& weights) {
  double s = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i)
    s += static_cast<double>(out[i]) * static_cast<double>(weights[i]);
  return s;
}

// Provenance with every field set to a value no default has, for round-trip tests.
inline nin::Provenance sample_provenance(std::string metrics_json) {
  nin::Provenance p;
  p.tool_version = "nin-train 0.1.0";
  p.dataset = "/data/fashion-mnist (idx)";
  p.epochs = 42;
  p.seed = 0xfedcba9876543210ull;
  p.metrics_json = std::move(metrics_json);
  p.created = "2026-11-30T08:15:00Z";
  return p;
}

// Running statistics drawn at random (variances positive), streams counted up from `stream`, so
// that nothing round-trips by accident as a default value.
inline void randomize_state(nin::Network& network, std::uint64_t& stream) {
  for (const auto& s : network.state()) {
    const bool variance = s.state->name == "running_var";
    const auto v = random_reals(s.state->size(), ++stream, variance ? 0.01f : -3.0f, 3.0f);
    std::copy(v.begin(), v.end(), s.state->value);
  }
}

}  // namespace nin::test
