#pragma once
// nin-convert's conversions between nin's HDF5 models and ONNX: the direction comes from the file
// names; everything to be written is prepared in memory first (so a dry run can describe it and a
// failure leaves nothing behind), then written atomically.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/model_loading.hpp"
#include "nin/io/input_preprocessing.hpp"
#include "nin/io/output_lock.hpp"
#include "nin/onnx/onnx_export.hpp"

namespace nin::convert_tool {

struct ConversionOptions {
  std::filesystem::path input, output;
  bool softmax = false;  // ONNX output ends with Softmax
  bool strip = false;    // HDF5 output leaves out the checkpoint
  std::optional<std::filesystem::path> class_names_file;
  bool dry_run = false;  // the output is only described: not checked, locked or written
  std::optional<InputPreprocessing> preprocessing;  // what an ONNX input's graph leaves out
};

struct Conversion {
  ConversionOptions options;
  cli::ModelFormat input_format = cli::ModelFormat::hdf5;
  cli::ModelFormat output_format = cli::ModelFormat::hdf5;
  cli::LoadedModel model;  // with the class names of --rename-classes; the checkpoint when kept
  std::optional<OnnxExport> onnx;         // the ONNX output, built and checked
  std::vector<std::string> left_out;      // what the output does not keep, one phrase each
  std::optional<OutputLock> output_lock;  // held from the checks until the output is written
};

// Checks the options against the file names (UsageError) and, unless it is a dry run, that the
// output can be written and is no input (output_path.hpp), and locks it; then reads the input and
// prepares the output.
Conversion prepare_conversion(const ConversionOptions& options);

// Writes the prepared output to options.output, atomically.
void write_conversion(Conversion& conversion);

}  // namespace nin::convert_tool
