#pragma once
// How tools name networks and models on the command line: presets, spec files and model files in
// either format (nin's HDF5 models and ONNX models, imported in memory).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nin/io/model_contents.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin::cli {

enum class ModelFormat { hdf5, onnx };

// The format a path names by its extension (.h5 or .hdf5, .onnx), if any.
std::optional<ModelFormat> model_format_of(const std::filesystem::path& path);

// A preset name, a spec file (*.json) or a model file (*.h5, *.onnx: its spec); "-" reads a spec
// (JSON) from standard input, named kStandardInputName in messages.
NetworkSpec load_network_any(const std::string& name_or_path);

// How messages name a spec read from standard input.
inline constexpr std::string_view kStandardInputName = "<stdin>";

// A model file of either format with its parameters read.
struct LoadedModel {
  ModelFormat format = ModelFormat::hdf5;
  ModelInfo info;
  std::unique_ptr<Network> network;      // built from the model's spec; network->spec() is the spec
  bool has_checkpoint = false;           // the file is a checkpoint (read only when asked for)
  std::optional<Checkpoint> checkpoint;  // read when asked for
  std::vector<std::string> notes;        // what an ONNX import left out or assumed
};

// Reads `path` (ONNX when it ends in .onnx, else nin's HDF5 format) as plain contents, in the
// sandbox unless it is switched off (nin/isolation/sandbox.hpp).
ModelContents read_model_any(const std::filesystem::path& path, bool with_checkpoint = false);

// Loads `path` (ONNX when it ends in .onnx, else nin's HDF5 format) into a network built for
// `max_batch` images and `use`; with `with_checkpoint`, also the checkpoint of a checkpoint file.
LoadedModel load_model(const std::filesystem::path& path, std::int64_t max_batch, NetworkUse use,
                       bool with_checkpoint = false);

// Prints each note as "TOOL: 'PATH': note: ..." on stderr.
void print_notes(std::string_view tool, const std::filesystem::path& path,
                 const std::vector<std::string>& notes);

// One class name per line (a final newline is optional, "\r\n" is accepted); throws FormatError
// naming the file when the count is not `classes` or a name is empty.
std::vector<std::string> read_class_names(const std::filesystem::path& path, std::int64_t classes);

// The default checkpoint path for a model path: model.h5 -> model.ckpt.h5.
std::filesystem::path checkpoint_path_for(const std::filesystem::path& model);

}  // namespace nin::cli
