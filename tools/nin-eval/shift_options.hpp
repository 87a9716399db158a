#pragma once
// nin-eval's translation options: --shift DX,DY evaluates on the images moved by one shift,
// --shift-sweep N on every shift (dx, dy) with dx and dy in −N..N, dx the outer loop and dy the
// inner, both ascending: (−N, −N), (−N, −N+1), ..., (N, N).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nin/data/image_translate.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin::eval_tool {

// The most --shift-sweep may ask for: (2·16 + 1)² = 1089 evaluations of every model.
inline constexpr std::int64_t kMaxShiftSweep = 16;

struct ShiftRequest {
  std::string option;               // "--shift" or "--shift-sweep"; empty: no translation
  std::string value;                // the option's value as given, for messages
  std::vector<Translation> shifts;  // in evaluation order; empty: no translation
  bool sweep() const { return option == "--shift-sweep"; }
};

// The request of --shift (its text, when given) and --shift-sweep (N, when given). Throws
// UsageError when both are given or when DX,DY is not two integers. N is in 1..kMaxShiftSweep, as
// nin-eval's declaration of --shift-sweep bounds it.
ShiftRequest parse_shift_request(const std::optional<std::string>& shift,
                                 std::optional<std::int64_t> sweep);

// Throws UsageError naming the option and `model` when a shift of `request` moves every pixel out
// of the model's `input` (|dx| ≥ width or |dy| ≥ height): the result would say nothing about the
// model.
void check_shift_fits(const ShiftRequest& request, const Shape& input, const std::string& model);

}  // namespace nin::eval_tool
