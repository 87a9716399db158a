#pragma once
// Range checks of numeric option values, shared by the tools so that every tool bounds and words
// them alike. Each throws UsageError (exit 2) naming the option and the value, e.g.
// "--momentum: 'nan' must be a finite number in [0, 1)".

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace nin::cli {

// The most images or steps a count option may name (--limit, --val, --log-every).
inline constexpr std::int64_t kMaxCountOption = std::numeric_limits<std::int32_t>::max();
// The most worker threads --threads may ask for (as NIN_THREADS).
inline constexpr std::int64_t kMaxThreadsOption = 4096;

// Bounds of a real-valued option; an infinite max means "no upper bound".
struct RealRange {
  double min = 0;
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;  // (min, ...: min itself is refused
  bool max_open = false;  // ..., max): max itself is refused
};

// Refuses NaN, infinities and values outside `range`.
void require_finite(std::string_view option, double value, RealRange range = {});

// Refuses integers outside min..max.
void require_range(std::string_view option, std::int64_t value, std::int64_t min, std::int64_t max);

// Parses an unsigned integer from the option's text. Boost.ProgramOptions would read "-1" as
// 2^64 − 1; this refuses any sign, and anything but decimal digits.
std::uint64_t parse_unsigned(std::string_view option, const std::string& text);

}  // namespace nin::cli
