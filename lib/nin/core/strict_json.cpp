#include "nin/core/strict_json.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

namespace nin {
namespace {

using nlohmann::json;

// Converts nlohmann's byte offset into the line and column an editor shows.
std::string position_text(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not the continuation bytes of UTF-8 sequences
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string parse_error_reason(const std::string& what) {
  // nlohmann messages read "[json.exception.parse_error.101] parse error at line 1, column 2:
  // syntax error while parsing value - invalid literal; last read: 'x'"; keep the part after the
  // position, which says what is wrong.
  const auto colon = what.find(": ", what.find("parse error"));
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

std::optional<std::string> parse_strict_json(std::string_view text, json& out) {
  // Text from a NUL byte on would be ignored; parse up to it, then refuse the NUL itself.
  const std::size_t nul = text.find('\0');
  const std::string_view document = text.substr(0, nul);
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  const json::parser_callback_t track_keys = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !duplicate &&
               !open_objects.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    out = json::parse(document.begin(), document.end(), track_keys);
  } catch (const json::parse_error& e) {
    return "malformed JSON at " + position_text(text, e.byte) + ": " + parse_error_reason(e.what());
  } catch (const json::out_of_range& e) {
    // A number beyond a double ("1e999") is no syntax error to nlohmann, but is malformed here.
    const std::string what = e.what();
    const auto end = what.find("] ");
    return "malformed JSON: " + (end == std::string::npos ? what : what.substr(end + 2));
  }
  if (duplicate) return "key '" + *duplicate + "' appears twice in one object";
  if (nul != std::string_view::npos)
    return "malformed JSON at " + position_text(text, nul + 1) +
           ": a NUL byte after the document, expected nothing but white space";
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0, min = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2, code = byte & 0x1F, min = 0x80;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3, code = byte & 0x0F, min = 0x800;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4, code = byte & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

}  // namespace nin
