#pragma once
// A tool's bash completion script, written from its option declarations: the build runs
// `TOOL --completion-bash` into share/bash-completion/completions/TOOL. It needs plain bash only
// (compgen, compopt), not the bash-completion package.

#include <ostream>
#include <string_view>

#include "common/option_table.hpp"

namespace nin::cli {

// Completes option names; after an option, its choices, preset names and spec or model files
// (NET), model files (.h5, .hdf5, .onnx), directories or any file as its kind says, and nothing for
// numbers and free text; elsewhere, what the positional argument takes.
void write_bash_completion(std::ostream& out, std::string_view tool, const OptionTable& options);

}  // namespace nin::cli
