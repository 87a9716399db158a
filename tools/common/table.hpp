#pragma once
// Plain tables printed as Markdown, CSV or TSV, and the number formats the tools share.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace nin::cli {

struct Table {
  std::vector<std::string> header;
  std::vector<bool> right_aligned;  // per column, for Markdown; missing entries mean left
  std::vector<std::vector<std::string>> rows;
};

void write_markdown(std::ostream& out, const Table& table);

// RFC 4180 quoting for ',' ; for '\t' tabs and newlines in cells become spaces.
void write_delimited(std::ostream& out, const Table& table, char separator);

// 81960 -> "81,960"
std::string with_thousands(std::int64_t value);

// 57600 -> "56.2 KiB"; below 1 KiB -> "512 B"
std::string human_bytes(std::int64_t bytes);

}  // namespace nin::cli
