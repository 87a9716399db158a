#include "common/option_checks.hpp"

#include <charconv>
#include <cmath>

#include "nin/core/error.hpp"

namespace nin::cli {
namespace {

// The shortest text that reads back as `value`: "nan", "inf", "-1", "1e+30".
std::string number_text(double value) {
  if (std::isnan(value)) return "nan";
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

std::string range_text(const RealRange& r) {
  if (std::isinf(r.max)) return (r.min_open ? "> " : ">= ") + number_text(r.min);
  return std::string("in ") + (r.min_open ? "(" : "[") + number_text(r.min) + ", " +
         number_text(r.max) + (r.max_open ? ")" : "]");
}

}  // namespace

void require_finite(std::string_view option, double value, RealRange range) {
  const bool inside = std::isfinite(value) &&
                      (range.min_open ? value > range.min : value >= range.min) &&
                      (range.max_open ? value < range.max : value <= range.max);
  if (!inside)
    throw UsageError(std::string(option) + ": '" + number_text(value) +
                     "' must be a finite number " + range_text(range));
}

void require_range(std::string_view option, std::int64_t value, std::int64_t min,
                   std::int64_t max) {
  if (value < min || value > max)
    throw UsageError(std::string(option) + ": '" + std::to_string(value) +
                     "' must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
}

std::uint64_t parse_unsigned(std::string_view option, const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || text.front() < '0' || text.front() > '9' || result.ec != std::errc() ||
      result.ptr != end)
    throw UsageError(std::string(option) + ": '" + text + "' must be an integer in 0.." +
                     std::to_string(std::numeric_limits<std::uint64_t>::max()));
  return value;
}

}  // namespace nin::cli
