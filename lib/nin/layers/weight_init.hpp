#pragma once
// Initial weights of a layer from its spec's initialiser: Gaussian with the given std, or
// He/Kaiming (std √(2 / fan_in)); element i draws from (seed, i) only, so the same seed gives the
// same bits.

#include <cmath>
#include <cstdint>

#include "nin/core/random.hpp"
#include "nin/layers/layer.hpp"

namespace nin {

inline void initialize_weights(Parameter& weight, const WeightInit& init, std::int64_t fan_in,
                               std::uint64_t seed) {
  const double std =
      init.kind == InitKind::gaussian ? init.std : std::sqrt(2.0 / static_cast<double>(fan_in));
  const std::int64_t n = weight.size();
  for (std::int64_t i = 0; i < n; ++i)
    weight.value[i] =
        static_cast<float>(std * random_normal(seed, 0, static_cast<std::uint64_t>(i)));
}

}  // namespace nin
