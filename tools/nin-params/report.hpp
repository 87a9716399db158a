#pragma once
// Prints nin-params' table in one of the output formats.

#include <ostream>

#include "common/cli.hpp"
#include "nin-params/layer_table.hpp"

namespace nin::params {

struct ReportOptions {
  cli::Format format = cli::Format::md;
  Language language = Language::en;
  std::int64_t batch = 1;
  bool compare_fc = false;
};

void write_report(std::ostream& out, const NetworkSpec& spec, const ReportOptions& options);

}  // namespace nin::params
