#pragma once
// How tools load data sets: image folders get the network's input shape and its class order, a
// progress line on a terminal, and with --skip-bad-images one warning per skipped file and a
// count at the end.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nin/data/dataset.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin::cli {

// load_dataset with the tool's reporting on stderr: "TOOL: warning: 'file': skipped: ...", a
// progress line while a large image folder is decoded (only when stderr is a terminal and not
// `quiet`), and "TOOL: 'DIR': skipped K of N images" after a load that skipped some.
Dataset load_data(std::string_view tool, const std::filesystem::path& path, DataOptions options,
                  bool quiet = false);

// The data set at `path` for a network of input `input` whose classes are `class_names` (may be
// empty): an image folder is decoded to that input and labelled in the order of those classes
// when its class folders are exactly them (or, with `subset`, any of them); when the folders are
// other classes, a note on stderr says that the labels follow the folders' sorted order (unless
// `note` is false: for the second split of one folder).
Dataset load_data_for(std::string_view tool, const std::filesystem::path& path, DataOptions options,
                      const Shape& input, const std::vector<std::string>& class_names, bool subset,
                      bool quiet = false, bool note = true);

}  // namespace nin::cli
