#include "common/model_loading.hpp"

#include <iostream>

#include "common/cli.hpp"
#include "common/file_options.hpp"
#include "nin/core/error.hpp"
#include "nin/core/text_file.hpp"
#include "nin/onnx/onnx_import.hpp"
#include "nin/spec/preset_catalog.hpp"

namespace nin::cli {

std::optional<ModelFormat> model_format_of(const std::filesystem::path& path) {
  const auto extension = path.extension();
  if (extension == ".h5" || extension == ".hdf5") return ModelFormat::hdf5;
  if (extension == ".onnx") return ModelFormat::onnx;
  return std::nullopt;
}

NetworkSpec load_network_any(const std::string& name_or_path) {
  if (is_standard_stream(name_or_path)) {
    const std::string source(kStandardInputName);
    return parse_network_spec(read_text_stream(std::cin, source), source);
  }
  const auto format = model_format_of(name_or_path);
  if (format == ModelFormat::hdf5) return read_model_file(name_or_path, ModelParts::spec).spec;
  if (format == ModelFormat::onnx) return read_onnx_model(name_or_path).spec;
  return load_network(name_or_path, PresetCatalog::for_executable());
}

ModelContents read_model_any(const std::filesystem::path& path, bool with_checkpoint) {
  // Any other name is read as nin's own format, as before ONNX was supported.
  if (model_format_of(path) == ModelFormat::onnx) return read_onnx_model(path);
  return read_model_file(path, with_checkpoint ? ModelParts::checkpoint : ModelParts::parameters);
}

LoadedModel load_model(const std::filesystem::path& path, std::int64_t max_batch, NetworkUse use,
                       bool with_checkpoint) {
  LoadedModel model;
  model.format = model_format_of(path).value_or(ModelFormat::hdf5);
  ModelContents contents = read_model_any(path, with_checkpoint);
  model.network = contents.build_network(max_batch, use);
  model.info = std::move(contents.info);
  model.notes = std::move(contents.notes);
  model.has_checkpoint = contents.has_checkpoint;
  model.checkpoint = std::move(contents.checkpoint);
  return model;
}

void print_notes(std::string_view tool, const std::filesystem::path& path,
                 const std::vector<std::string>& notes) {
  for (const auto& note : notes)
    std::cerr << tool << ": '" << path.string() << "': note: " << one_line(note) << "\n";
}

std::vector<std::string> read_class_names(const std::filesystem::path& path, std::int64_t classes) {
  const std::string text = read_text_file(path, 1u << 20);
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty())
      throw FormatError(("'" + path.string() + "'") + ": line " + std::to_string(names.size() + 1) +
                        " is empty, expected one class name per line");
    names.push_back(std::move(line));
    start = end + 1;
  }
  if (static_cast<std::int64_t>(names.size()) != classes)
    throw FormatError(("'" + path.string() + "'") + ": " + std::to_string(names.size()) +
                      " class names, expected " + std::to_string(classes) + ", one per class");
  return names;
}

std::filesystem::path checkpoint_path_for(const std::filesystem::path& model) {
  std::filesystem::path checkpoint = model;
  checkpoint.replace_extension(".ckpt.h5");
  return checkpoint;
}

}  // namespace nin::cli
