#include "common/model_loading.hpp"

#include <iostream>

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
  const auto format = model_format_of(name_or_path);
  if (format == ModelFormat::hdf5) return ModelReader(name_or_path).spec();
  if (format == ModelFormat::onnx) return import_onnx(std::filesystem::path(name_or_path)).spec;
  return load_network(name_or_path, PresetCatalog::for_executable());
}

LoadedModel load_model(const std::filesystem::path& path, std::int64_t max_batch, NetworkUse use,
                       bool with_checkpoint) {
  LoadedModel model;
  // Any other name is read as nin's own format, as before ONNX was supported.
  model.format = model_format_of(path).value_or(ModelFormat::hdf5);
  if (model.format == ModelFormat::onnx) {
    ImportedModel imported = import_onnx(path);
    model.network = std::make_unique<Network>(imported.spec, max_batch, use);
    imported.copy_into(*model.network);
    model.info = std::move(imported.info);
    model.notes = std::move(imported.notes);
    return model;
  }
  const ModelReader reader(path);
  model.network = std::make_unique<Network>(reader.spec(), max_batch, use);
  reader.read_parameters(*model.network);
  model.info = reader.info();
  model.has_checkpoint = reader.has_checkpoint();
  if (with_checkpoint && model.has_checkpoint)
    model.checkpoint = reader.read_checkpoint(*model.network);
  return model;
}

void print_notes(std::string_view tool, const std::filesystem::path& path,
                 const std::vector<std::string>& notes) {
  for (const auto& note : notes)
    std::cerr << tool << ": '" << path.string() << "': note: " << note << "\n";
}

std::filesystem::path checkpoint_path_for(const std::filesystem::path& model) {
  std::filesystem::path checkpoint = model;
  checkpoint.replace_extension(".ckpt.h5");
  return checkpoint;
}

}  // namespace nin::cli
