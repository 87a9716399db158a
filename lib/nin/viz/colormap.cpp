#include "nin/viz/colormap.hpp"

#include <algorithm>
#include <cmath>

namespace nin {

namespace {

Rgb sample(const std::array<Rgb, 9>& map, double t) {
  if (!(t > 0)) return map.front();
  if (t >= 1) return map.back();
  const double at = t * static_cast<double>(map.size() - 1);
  const auto i = static_cast<std::size_t>(at);
  const double f = at - static_cast<double>(i);
  const Rgb a = map[i], b = map[i + 1];
  const auto mix = [f](std::uint8_t x, std::uint8_t y) {
    return static_cast<std::uint8_t>(std::lround(x + (y - x) * f));
  };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

double linear(std::uint8_t channel) {
  const double c = channel / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

Rgb viridis(double t) {
  return sample(kViridis, t);
}

Rgb blues(double t) {
  return sample(kBlues, t);
}

double luminance(Rgb colour) {
  return 0.2126 * linear(colour.r) + 0.7152 * linear(colour.g) + 0.0722 * linear(colour.b);
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
