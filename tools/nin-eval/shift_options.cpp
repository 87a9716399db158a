#include "nin-eval/shift_options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "nin/core/error.hpp"

namespace nin::eval_tool {
namespace {

// An integer that takes the whole of `text`: an optional '-' and decimal digits, nothing else
// (no '+', no spaces), and small enough that no image is that wide.
std::optional<std::int64_t> whole_integer(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Translation parse_shift(const std::string& text) {
  const auto comma = text.find(',');
  const auto dx = whole_integer(std::string_view(text).substr(0, comma));
  const auto dy = comma == std::string::npos
                      ? std::nullopt
                      : whole_integer(std::string_view(text).substr(comma + 1));
  if (!dx || !dy)
    throw UsageError("--shift: '" + text +
                     "' must be DX,DY: two integers, pixels right and down (e.g. 2,-1)");
  return {*dx, *dy};
}

}  // namespace

ShiftRequest parse_shift_request(const std::optional<std::string>& shift,
                                 std::optional<std::int64_t> sweep) {
  if (shift && sweep)
    throw UsageError(
        "--shift evaluates one shift, --shift-sweep every shift up to N pixels: give one of "
        "them");
  ShiftRequest request;
  if (shift) {
    request.option = "--shift";
    request.value = *shift;
    request.shifts = {parse_shift(*shift)};
  } else if (sweep) {
    request.option = "--shift-sweep";
    request.value = std::to_string(*sweep);
    for (std::int64_t dx = -*sweep; dx <= *sweep; ++dx)
      for (std::int64_t dy = -*sweep; dy <= *sweep; ++dy) request.shifts.push_back({dx, dy});
  }
  return request;
}

void check_shift_fits(const ShiftRequest& request, const Shape& input, const std::string& model) {
  std::int64_t reach_x = 0, reach_y = 0;
  for (const Translation& t : request.shifts) {
    reach_x = std::max(reach_x, std::abs(t.dx));
    reach_y = std::max(reach_y, std::abs(t.dy));
  }
  if (reach_x < input.width && reach_y < input.height) return;
  const std::string what = request.option + ": '" + request.value +
                           "' moves the image out of the " + std::to_string(input.height) + "×" +
                           std::to_string(input.width) + " input of '" + model + "': ";
  if (request.sweep())
    throw UsageError(what + "N must be at most " +
                     std::to_string(std::min(input.width, input.height) - 1));
  throw UsageError(what + "DX must be in " + std::to_string(1 - input.width) + ".." +
                   std::to_string(input.width - 1) + " and DY in " +
                   std::to_string(1 - input.height) + ".." + std::to_string(input.height - 1));
}

}  // namespace nin::eval_tool
