#pragma once
// Colour for values: matplotlib's perceptually uniform "viridis" colormap (dark violet for low,
// through blue and green, to yellow for high; readable in gray and by most colour-blind readers),
// and the linear scale that maps a range of values onto it.

#include <array>
#include <cstdint>
#include <span>

#include "nin/viz/rgb_image.hpp"

namespace nin {

// viridis sampled at 9 evenly spaced points from 0 to 1 (#440154, #472D7B, ..., #FDE725);
// colours in between are interpolated linearly in RGB.
inline constexpr std::array<Rgb, 9> kViridis = {{{68, 1, 84},
                                                 {71, 45, 123},
                                                 {59, 82, 139},
                                                 {44, 114, 142},
                                                 {33, 144, 140},
                                                 {39, 173, 129},
                                                 {93, 200, 99},
                                                 {170, 220, 50},
                                                 {253, 231, 37}}};

// The colour at t in [0, 1] (clamped; NaN gives the first entry).
Rgb viridis(double t);

// matplotlib's sequential "Blues" sampled at 9 points, from near white (#F7FBFF) to dark blue
// (#08306B): for shares where 0 should recede into the page (a confusion matrix).
inline constexpr std::array<Rgb, 9> kBlues = {{{247, 251, 255},
                                               {222, 235, 247},
                                               {198, 219, 239},
                                               {158, 202, 225},
                                               {107, 174, 214},
                                               {66, 146, 198},
                                               {33, 113, 181},
                                               {8, 81, 156},
                                               {8, 48, 107}}};

// The colour at t in [0, 1] on kBlues (clamped; NaN gives the first entry).
Rgb blues(double t);

// Relative luminance (0 black .. 1 white) of an sRGB colour, to choose text that stands out on it.
double luminance(Rgb colour);

// min → kViridis.front(), max → kViridis.back(), linear in between. When min == max (a constant
// map), every value gets the first entry.
struct ColorScale {
  float min = 0, max = 0;
  double position(float value) const;  // in [0, 1]
  Rgb colour(float value) const { return viridis(position(value)); }
};

// The scale from the smallest to the largest finite value of `values` (0..0 when there is none).
ColorScale scale_of(std::span<const float> values);

}  // namespace nin
