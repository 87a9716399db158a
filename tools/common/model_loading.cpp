#include "common/model_loading.hpp"

#include "nin/io/model_file.hpp"
#include "nin/spec/preset_catalog.hpp"

namespace nin::cli {

NetworkSpec load_network_any(const std::string& name_or_path) {
  const auto extension = std::filesystem::path(name_or_path).extension();
  if (extension == ".h5" || extension == ".hdf5") return ModelReader(name_or_path).spec();
  return load_network(name_or_path, PresetCatalog::for_executable());
}

std::filesystem::path checkpoint_path_for(const std::filesystem::path& model) {
  std::filesystem::path checkpoint = model;
  checkpoint.replace_extension(".ckpt.h5");
  return checkpoint;
}

}  // namespace nin::cli
