#pragma once
// Plain tables printed as Markdown, CSV or TSV, and the number formats the tools share.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace nin::cli {

struct Table {
  std::vector<std::string> header;
  std::vector<bool> right_aligned;  // per column, for Markdown; missing entries mean left
  std::vector<std::vector<std::string>> rows;
};

// Cells are written as markdown_cell() gives them.
void write_markdown(std::ostream& out, const Table& table);

// Cells are written as delimited_field() gives them; one row per line, the header first.
void write_delimited(std::ostream& out, const Table& table, char separator);

// One row of CSV or TSV, ending in '\n', for output written a row at a time.
void write_delimited_row(std::ostream& out, const std::vector<std::string>& cells, char separator);

// One field of a CSV or TSV row, the only place where a tool's cell becomes delimited text, so that
// any file name or class name survives. ',' (CSV): RFC 4180, the field in double quotes when it
// holds ',', '"', CR or LF, with each '"' doubled. '\t' (TSV): tabs, CR and LF become spaces (TSV
// has no quoting).
std::string delimited_field(std::string_view cell, char separator);

// A cell of a Markdown table: '|' escaped as "\|", CR and LF as spaces, so that the row stays one
// row of the table.
std::string markdown_cell(std::string_view cell);

// 81960 -> "81,960"
std::string with_thousands(std::int64_t value);

// 57600 -> "56.2 KiB"; below 1 KiB -> "512 B"
std::string human_bytes(std::int64_t bytes);

// JSON text of `doc` for output. Bytes that are not UTF-8 (a file name may hold any) are written
// as U+FFFD instead of failing the whole output.
template <typename Json>
std::string json_text(const Json& doc, int indent = -1) {
  return doc.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace nin::cli
