#pragma once
// Round tick values for a chart axis: steps of 1, 2 or 5 times a power of ten, so that labels read
// 0, 0.5, 1, 1.5 rather than 0, 0.37, 0.74.

#include <string>
#include <vector>

namespace nin {

struct AxisTicks {
  double min = 0, max = 1;     // the axis range: the data's, widened to whole steps
  double step = 1;             // between ticks
  std::vector<double> values;  // min, min + step, ..., max
  int decimals = 0;            // the decimals a label needs to tell the ticks apart
};

// At most about `count` ticks covering [low, high] (swapped when reversed; a single value or a
// range that is not finite gets a range of its own around it). `integers`: steps of at least 1.
AxisTicks nice_ticks(double low, double high, int count, bool integers = false);

// `value` with `decimals` decimals ("0.05", "12"), '.' whatever the locale; values with more than
// 4 decimals in scientific notation ("5e-05").
std::string tick_label(double value, int decimals);

}  // namespace nin
