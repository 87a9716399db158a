#pragma once
// Finds network specs by preset name (share/nin/models/NAME.json) or by path.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nin/spec/network_spec.hpp"

namespace nin {

class PresetCatalog {
 public:
  // Directories are searched in order; missing ones are skipped.
  explicit PresetCatalog(std::vector<std::filesystem::path> directories);

  // The catalog a tool uses: $NIN_MODEL_PATH (colon-separated), then ../share/nin/models next to
  // the running executable, which holds both in the build tree and in an installed prefix.
  static PresetCatalog for_executable();

  // Sorted names of every preset found.
  std::vector<std::string> names() const;

  // The file of a preset; throws UsageError listing the valid names when there is none.
  std::filesystem::path find(const std::string& name) const;

  const std::vector<std::filesystem::path>& directories() const { return directories_; }

 private:
  std::vector<std::filesystem::path> directories_;
};

// True when the argument is meant as a file path rather than a preset name: it contains a '/', ends
// in .json, .h5 or .onnx, or names an existing file.
bool looks_like_path(std::string_view argument);

// Loads a network spec from a preset name or a spec file path.
NetworkSpec load_network(const std::string& name_or_path, const PresetCatalog& catalog);

}  // namespace nin
