#include "common/table.hpp"

#include <array>
#include <cstdio>

namespace nin::cli {

std::string delimited_field(std::string_view cell, char separator) {
  if (separator == '\t') {
    std::string clean(cell);
    for (auto& c : clean)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return clean;
  }
  if (cell.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(cell);
  std::string quoted = "\"";
  for (const char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string markdown_cell(std::string_view cell) {
  std::string text;
  for (const char c : cell) {
    if (c == '|')
      text += "\\|";
    else
      text += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return text;
}

void write_markdown(std::ostream& out, const Table& table) {
  const auto write_row = [&](const std::vector<std::string>& cells) {
    out << "|";
    for (const auto& cell : cells) out << " " << markdown_cell(cell) << " |";
    out << "\n";
  };
  write_row(table.header);
  out << "|";
  for (std::size_t i = 0; i < table.header.size(); ++i)
    out << (i < table.right_aligned.size() && table.right_aligned[i] ? "---:|" : "---|");
  out << "\n";
  for (const auto& row : table.rows) write_row(row);
}

void write_delimited_row(std::ostream& out, const std::vector<std::string>& cells, char separator) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out << separator;
    out << delimited_field(cells[i], separator);
  }
  out << "\n";
}

void write_delimited(std::ostream& out, const Table& table, char separator) {
  write_delimited_row(out, table.header, separator);
  for (const auto& row : table.rows) write_delimited_row(out, row, separator);
}

std::string with_thousands(std::int64_t value) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string human_bytes(std::int64_t bytes) {
  static constexpr std::array<const char*, 5> units{"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  value /= 1024.0;
  while (value >= 1024.0 && unit + 1 < units.size()) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

}  // namespace nin::cli
