#pragma once
// How tools name networks and models on the command line.

#include <filesystem>
#include <string>

#include "nin/spec/network_spec.hpp"

namespace nin::cli {

// A preset name, a spec file (*.json) or a model file (*.h5: its spec).
NetworkSpec load_network_any(const std::string& name_or_path);

// The default checkpoint path for a model path: model.h5 -> model.ckpt.h5.
std::filesystem::path checkpoint_path_for(const std::filesystem::path& model);

}  // namespace nin::cli
