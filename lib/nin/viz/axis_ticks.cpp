#include "nin/viz/axis_ticks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace nin {
namespace {

double nice_step(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double residual = raw / magnitude;
  const double factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
  return factor * magnitude;
}

}  // namespace

AxisTicks nice_ticks(double low, double high, int count, bool integers) {
  if (!std::isfinite(low) || !std::isfinite(high)) low = high = 0;
  if (low > high) std::swap(low, high);
  if (high - low < 1e-12 * std::max(1.0, std::abs(high))) {
    const double half = low == 0 ? 1 : std::abs(low) * 0.1;
    low -= half;
    high += half;
  }
  AxisTicks ticks;
  ticks.step = nice_step((high - low) / std::max(1, count - 1));
  if (integers) ticks.step = std::max(1.0, std::round(ticks.step));
  ticks.min = std::floor(low / ticks.step + 1e-9) * ticks.step;
  ticks.max = std::ceil(high / ticks.step - 1e-9) * ticks.step;
  const auto n = static_cast<long>(std::lround((ticks.max - ticks.min) / ticks.step));
  for (long i = 0; i <= n; ++i) {
    const double v = ticks.min + static_cast<double>(i) * ticks.step;
    ticks.values.push_back(std::abs(v) < ticks.step * 1e-9 ? 0.0 : v);
  }
  ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(ticks.step) + 1e-9)));
  return ticks;
}

std::string tick_label(double value, int decimals) {
  char text[64];
  std::to_chars_result result{};
  if (decimals > 4 && value != 0)
    result = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 3);
  else
    result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed,
                           std::max(0, decimals));
  std::string out(text, result.ptr);
  if (out == "-0") out = "0";
  return out;
}

}  // namespace nin
