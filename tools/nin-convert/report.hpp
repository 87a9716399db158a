#pragma once
// nin-convert --dry-run: what a conversion would write, as Markdown or one JSON document.

#include <ostream>

#include "common/cli.hpp"
#include "nin-convert/conversion.hpp"

namespace nin::convert_tool {

void write_report(std::ostream& out, const Conversion& conversion, cli::Format format);

}  // namespace nin::convert_tool
