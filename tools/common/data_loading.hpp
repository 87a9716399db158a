#pragma once
// How tools load data sets: image folders get the network's input shape, a progress line on a
// terminal, and with --skip-bad-images one warning per skipped file and a count at the end.

#include <filesystem>
#include <string_view>

#include "nin/data/dataset.hpp"

namespace nin::cli {

// load_dataset with the tool's reporting on stderr: "TOOL: warning: 'file': skipped: ...", a
// progress line while a large image folder is decoded (only when stderr is a terminal and not
// `quiet`), and "TOOL: 'DIR': skipped K of N images" after a load that skipped some.
Dataset load_data(std::string_view tool, const std::filesystem::path& path, DataOptions options,
                  bool quiet = false);

}  // namespace nin::cli
