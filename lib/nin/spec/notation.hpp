#pragma once
// The seed's notation for sizes and kernels (table 4.4): sizes as H×W×C, kernels as (3×3)×16/1,
// strides after '/', padding after ' p'.

#include <cstdint>
#include <string>

#include "nin/spec/network_spec.hpp"

namespace nin::notation {

inline const std::string kTimes = "×";

// "3×3"
std::string pair_text(std::int64_t a, std::int64_t b);
// "/2" or "/2×1", then " p2" or " p2×1" when padded.
std::string stride_pad_text(const Window2d& window);
// 32×32×3 (height × width × channels, as the seed writes it)
std::string hwc_text(const Shape& shape);

}  // namespace nin::notation
