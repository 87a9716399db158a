#include "nin/viz/colormap.hpp"

#include <algorithm>
#include <cmath>

namespace nin {

Rgb viridis(double t) {
  if (!(t > 0)) return kViridis.front();
  if (t >= 1) return kViridis.back();
  const double at = t * static_cast<double>(kViridis.size() - 1);
  const auto i = static_cast<std::size_t>(at);
  const double f = at - static_cast<double>(i);
  const Rgb a = kViridis[i], b = kViridis[i + 1];
  const auto mix = [f](std::uint8_t x, std::uint8_t y) {
    return static_cast<std::uint8_t>(std::lround(x + (y - x) * f));
  };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

double ColorScale::position(float value) const {
  if (!(max > min)) return 0;
  return std::clamp((static_cast<double>(value) - min) / (static_cast<double>(max) - min), 0.0,
                    1.0);
}

ColorScale scale_of(std::span<const float> values) {
  ColorScale scale;
  bool any = false;
  for (const float v : values) {
    if (!std::isfinite(v)) continue;
    scale.min = any ? std::min(scale.min, v) : v;
    scale.max = any ? std::max(scale.max, v) : v;
    any = true;
  }
  return scale;
}

}  // namespace nin
