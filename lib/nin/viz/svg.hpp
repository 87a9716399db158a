#pragma once
// A small SVG writer: a document of rectangles, lines, polylines, circles and text, each a
// self-closing element (text: one element with its escaped content) appended in drawing order,
// written as a standalone SVG 1.1 file. Coordinates are in user units (pixels), y downwards.
// Numbers are written the same in every locale; text is escaped for XML, and characters XML
// cannot hold (control characters, invalid UTF-8) become U+FFFD.

#include <string>
#include <string_view>
#include <vector>

#include "nin/viz/rgb_image.hpp"

namespace nin::svg {

struct Point {
  double x = 0, y = 0;
};

// "#rrggbb".
std::string hex(Rgb colour);

// `text` with &, <, >, " and ' written as entities, and what XML 1.0 cannot hold replaced by
// U+FFFD.
std::string escape(std::string_view text);

// A number as an attribute value: at most two decimals, no trailing zeros, '.' whatever the
// locale ("12.5", "-3", "0").
std::string number(double value);

enum class Anchor { start, middle, end };

struct Stroke {
  std::string colour = "#000000";
  double width = 1;
  std::string dash = {};  // stroke-dasharray, e.g. "6 3"; empty: solid
};

struct TextStyle {
  double size = 12;  // font size, px
  Anchor anchor = Anchor::start;
  std::string colour = "#000000";
  bool bold = false;
  double rotate = 0;  // degrees, clockwise, about the anchor point
  // Where `y` is: the baseline (false) or the middle of the letters (true).
  bool centred_vertically = false;
};

class Document {
 public:
  // A white canvas of this size, with a sans-serif font for all its text.
  Document(double width, double height);

  double width() const { return width_; }
  double height() const { return height_; }

  // `css_class`, when given, is written as the element's class attribute (for tests and styling).
  void rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& stroke = {}, const std::string& css_class = {});
  void line(Point from, Point to, const Stroke& stroke);
  void polyline(const std::vector<Point>& points, const Stroke& stroke,
                const std::string& css_class = {});
  void circle(Point centre, double radius, const std::string& fill,
              const std::string& css_class = {});
  void text(Point at, std::string_view content, const TextStyle& style = {},
            const std::string& css_class = {});
  // A tooltip for the element drawn last: a <title> inside it.
  void title_last(std::string_view tooltip);

  // The whole file: XML declaration, <svg> with its size and viewBox, the elements, </svg>.
  std::string str() const;

 private:
  double width_, height_;
  std::vector<std::string> elements_;
};

// An estimate of the width of `text` at font size `size` in a sans-serif font (average advance of
// 0.6 em per character, counting UTF-8 sequences as one), for layouts that must not overlap.
double text_width(std::string_view text, double size);

}  // namespace nin::svg
