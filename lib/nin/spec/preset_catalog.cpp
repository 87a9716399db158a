#include "nin/spec/preset_catalog.hpp"

#include <algorithm>
#include <cstdlib>

#include "nin/core/error.hpp"

namespace nin {

namespace fs = std::filesystem;

PresetCatalog::PresetCatalog(std::vector<fs::path> directories)
    : directories_(std::move(directories)) {}

PresetCatalog PresetCatalog::for_executable() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("NIN_MODEL_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto part = rest.substr(0, colon);
      if (!part.empty()) dirs.emplace_back(part);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "nin" / "models");
  return PresetCatalog(std::move(dirs));
}

std::vector<std::string> PresetCatalog::names() const {
  std::vector<std::string> names;
  for (const auto& dir : directories_) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json") names.push_back(it->path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

fs::path PresetCatalog::find(const std::string& name) const {
  for (const auto& dir : directories_) {
    const auto candidate = dir / (name + ".json");
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  const auto valid = names();
  std::string list;
  for (const auto& n : valid) list += (list.empty() ? "" : ", ") + n;
  if (list.empty()) list = "none found; set NIN_MODEL_PATH to the presets' directory";
  throw UsageError("'" + name + "': unknown preset; valid presets: " + list);
}

bool looks_like_path(std::string_view argument) {
  if (argument.find('/') != std::string_view::npos) return true;
  const auto extension = fs::path(argument).extension();
  if (extension == ".json" || extension == ".h5" || extension == ".onnx") return true;
  std::error_code ec;
  return fs::exists(fs::path(argument), ec);
}

NetworkSpec load_network(const std::string& name_or_path, const PresetCatalog& catalog) {
  if (looks_like_path(name_or_path)) return load_network_spec(name_or_path);
  auto spec = load_network_spec(catalog.find(name_or_path));
  spec.source = name_or_path;
  return spec;
}

}  // namespace nin
