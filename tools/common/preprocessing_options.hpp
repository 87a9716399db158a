#pragma once
// --scale, --mean and --std: the input preprocessing an imported ONNX model expects (see
// nin/io/input_preprocessing.hpp), shared by the tools that read ONNX models.

#include <filesystem>
#include <optional>
#include <string>

#include "common/option_table.hpp"
#include "nin/io/input_preprocessing.hpp"

namespace nin::cli {

struct PreprocessingOptions {
  std::string scale, mean, std;

  void add_to(OptionTable& options);
  // What the command line declared, if anything; throws UsageError for malformed values.
  std::optional<InputPreprocessing> parse() const;
};

// Folds `preprocessing` into `normalization`, that of the model read from `path` with `channels`
// input channels. Only an ONNX model can be told what its graph leaves out: a nin model stores
// the normalisation it was trained with, so for one the options are refused (UsageError).
void apply_preprocessing(const std::optional<InputPreprocessing>& preprocessing,
                         const std::filesystem::path& path, std::int64_t channels,
                         Normalization& normalization);

}  // namespace nin::cli
