#pragma once
// A tool's manual page (roff, man(7) macros), written from its option declarations: the build runs
// `TOOL --man` into share/man/man1/TOOL.1, so the page lists exactly the options --help lists.

#include <ostream>
#include <string>
#include <string_view>

#include "common/cli.hpp"
#include "common/option_table.hpp"

namespace nin::cli {

void write_man_page(std::ostream& out, const ToolInfo& info, const OptionTable& options);

// `text` as roff text: backslashes and hyphens escaped, no line starting with a control character,
// characters beyond ASCII as \[uXXXX].
std::string roff_text(std::string_view text);

}  // namespace nin::cli
