#include "nin/io/model_values.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>

#include "nin/core/error.hpp"

namespace nin {
namespace {

std::string value_text(float value) {
  if (std::isnan(value)) return "NaN";
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// The index of the first value that is not finite (or, with `non_negative`, negative), or -1.
std::ptrdiff_t first_bad(std::span<const float> values, bool non_negative) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]) || (non_negative && values[i] < 0))
      return static_cast<std::ptrdiff_t>(i);
  return -1;
}

void check_tensor(const std::string& where, const std::string& name, std::span<const float> values,
                  bool non_negative) {
  const auto i = first_bad(values, non_negative);
  if (i < 0) return;
  const float v = values[static_cast<std::size_t>(i)];
  throw FormatError(where + name + " holds " +
                    (std::isfinite(v) ? "a negative value (" : "a non-finite value (") +
                    value_text(v) + ") at index " + std::to_string(i));
}

}  // namespace

void check_normalization(const Normalization& normalization) {
  check_tensor("", "/normalization/mean", normalization.mean, false);
  for (std::size_t i = 0; i < normalization.std.size(); ++i) {
    const float s = normalization.std[i];
    if (!(std::isfinite(s) && s > 0))
      throw FormatError("/normalization/std holds " + value_text(s) + " at index " +
                        std::to_string(i) + ", expected a positive finite number");
  }
}

void check_finite_parameters(Network& network, const Normalization& normalization) {
  check_normalization(normalization);
  for (const auto& p : network.parameters())
    check_tensor("layer '" + p.layer + "': ", p.parameter->name,
                 {p.parameter->value, static_cast<std::size_t>(p.parameter->size())}, false);
  for (const auto& s : network.state())
    check_tensor("layer '" + s.layer + "': ", s.state->name,
                 {s.state->value, static_cast<std::size_t>(s.state->size())},
                 s.state->name == "running_var");
}

}  // namespace nin
