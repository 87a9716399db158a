#pragma once
// Text in a built-in 5×7 pixel font for printable ASCII, so that pictures can be labelled without
// a font library. Every character takes kGlyphAdvance pixels (5 of glyph, 1 of space); anything
// but printable ASCII is drawn as '?' (one per UTF-8 character). Deterministic: the same text
// gives the same pixels everywhere.

#include <cstdint>
#include <string>
#include <string_view>

#include "nin/viz/rgb_image.hpp"

namespace nin {

inline constexpr std::int64_t kGlyphWidth = 5;
inline constexpr std::int64_t kGlyphHeight = 7;
inline constexpr std::int64_t kGlyphAdvance = kGlyphWidth + 1;

// Whether pixel (x, y) of character c's glyph is set, x in 0..4 from the left, y in 0..6 from the
// top. c outside ' '..'~' gives the glyph of '?'.
bool glyph_pixel(char c, std::int64_t x, std::int64_t y);

// `utf8` as the characters the font draws: printable ASCII kept, every other character (control
// characters, each UTF-8 sequence, each invalid byte) replaced by one '?'.
std::string drawable_text(std::string_view utf8);

// Pixels that n characters take: n·kGlyphAdvance − 1 (0 for none).
std::int64_t text_width(std::int64_t characters);

// The longest prefix of drawable_text(utf8) that fits in max_width pixels.
std::string fit_text(std::string_view utf8, std::int64_t max_width);

// Draws drawable_text(utf8) with its top-left corner at (x, y); returns the width drawn.
std::int64_t draw_text(RgbImage& image, std::int64_t x, std::int64_t y, std::string_view utf8,
                       Rgb colour);

}  // namespace nin
