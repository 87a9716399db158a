#include "nin/viz/svg.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace nin::svg {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// The length of the valid UTF-8 sequence of a character XML 1.0 may hold at text[i], or 0.
std::size_t valid_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  char32_t code = 0;
  if (lead < 0x80) {
    // Tab, newline and carriage return are the only control characters XML allows.
    return lead >= 0x20 || lead == '\t' || lead == '\n' || lead == '\r' ? 1 : 0;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(k) & 0x3F);
  }
  constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length]) return 0;          // an overlong encoding
  if (code >= 0xD800 && code <= 0xDFFF) return 0;  // surrogates
  if (code == 0xFFFE || code == 0xFFFF) return 0;  // not characters
  if (code > 0x10FFFF) return 0;
  if (code >= 0x80 && code <= 0x9F) return 0;  // C1 controls: allowed, but invisible
  return length;
}

std::string anchor_name(Anchor anchor) {
  switch (anchor) {
    case Anchor::start:
      return "start";
    case Anchor::middle:
      return "middle";
    case Anchor::end:
      return "end";
  }
  return "start";
}

std::string class_attribute(const std::string& css_class) {
  return css_class.empty() ? std::string() : " class=\"" + escape(css_class) + "\"";
}

}  // namespace

std::string hex(Rgb colour) {
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", colour.r, colour.g, colour.b);
  return text;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = valid_sequence(text, i);
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (length == 1) {
      switch (text[i]) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          out += text[i];
      }
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string number(double value) {
  if (!std::isfinite(value)) return "0";
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 2);
  std::string out(text, result.ptr);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  if (out == "-0") out = "0";
  return out;
}

Document::Document(double width, double height) : width_(width), height_(height) {
  rect(0, 0, width, height, "#ffffff");
}

void Document::rect(double x, double y, double w, double h, const std::string& fill,
                    const std::string& stroke, const std::string& css_class) {
  std::string e = "<rect" + class_attribute(css_class) + " x=\"" + number(x) + "\" y=\"" +
                  number(y) + "\" width=\"" + number(w) + "\" height=\"" + number(h) +
                  "\" fill=\"" + escape(fill) + "\"";
  if (!stroke.empty()) e += " stroke=\"" + escape(stroke) + "\"";
  elements_.push_back(e + "/>");
}

void Document::line(Point from, Point to, const Stroke& stroke) {
  std::string e = "<line x1=\"" + number(from.x) + "\" y1=\"" + number(from.y) + "\" x2=\"" +
                  number(to.x) + "\" y2=\"" + number(to.y) + "\" stroke=\"" +
                  escape(stroke.colour) + "\" stroke-width=\"" + number(stroke.width) + "\"";
  if (!stroke.dash.empty()) e += " stroke-dasharray=\"" + escape(stroke.dash) + "\"";
  elements_.push_back(e + "/>");
}

void Document::polyline(const std::vector<Point>& points, const Stroke& stroke,
                        const std::string& css_class) {
  std::string coordinates;
  for (const Point& p : points)
    coordinates += (coordinates.empty() ? "" : " ") + number(p.x) + "," + number(p.y);
  std::string e = "<polyline" + class_attribute(css_class) + " points=\"" + coordinates +
                  "\" fill=\"none\" stroke=\"" + escape(stroke.colour) + "\" stroke-width=\"" +
                  number(stroke.width) + "\" stroke-linejoin=\"round\"";
  if (!stroke.dash.empty()) e += " stroke-dasharray=\"" + escape(stroke.dash) + "\"";
  elements_.push_back(e + "/>");
}

void Document::circle(Point centre, double radius, const std::string& fill,
                      const std::string& css_class) {
  elements_.push_back("<circle" + class_attribute(css_class) + " cx=\"" + number(centre.x) +
                      "\" cy=\"" + number(centre.y) + "\" r=\"" + number(radius) + "\" fill=\"" +
                      escape(fill) + "\"/>");
}

void Document::text(Point at, std::string_view content, const TextStyle& style,
                    const std::string& css_class) {
  // Centred: the baseline a third of an em below the middle (dominant-baseline is not rendered
  // alike by every viewer).
  const double y = style.centred_vertically ? at.y + 0.35 * style.size : at.y;
  std::string e = "<text" + class_attribute(css_class) + " x=\"" + number(at.x) + "\" y=\"" +
                  number(y) + "\" font-size=\"" + number(style.size) + "\"";
  if (style.anchor != Anchor::start) e += " text-anchor=\"" + anchor_name(style.anchor) + "\"";
  if (style.colour != "#000000") e += " fill=\"" + escape(style.colour) + "\"";
  if (style.bold) e += " font-weight=\"bold\"";
  if (style.rotate != 0)
    e += " transform=\"rotate(" + number(style.rotate) + " " + number(at.x) + " " + number(y) +
         ")\"";
  elements_.push_back(e + ">" + escape(content) + "</text>");
}

void Document::title_last(std::string_view tooltip) {
  if (elements_.empty()) return;
  std::string& e = elements_.back();
  const std::string title = "<title>" + escape(tooltip) + "</title>";
  if (e.size() >= 2 && e.compare(e.size() - 2, 2, "/>") == 0) {
    const std::string tag = e.substr(1, e.find(' ') - 1);
    e.replace(e.size() - 2, 2, ">" + title + "</" + tag + ">");
  } else {
    e.insert(e.find('>') + 1, title);
  }
}

std::string Document::str() const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + number(width_) +
         "\" height=\"" + number(height_) + "\" viewBox=\"0 0 " + number(width_) + " " +
         number(height_) + "\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n";
  for (const auto& e : elements_) out += e + "\n";
  out += "</svg>\n";
  return out;
}

double text_width(std::string_view text, double size) {
  std::size_t characters = 0;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  return 0.6 * size * static_cast<double>(characters);
}

}  // namespace nin::svg
