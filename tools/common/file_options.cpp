#include "common/file_options.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "nin/core/error.hpp"

namespace nin::cli {
namespace po = boost::program_options;
namespace {

struct RoleText {
  bool takes_stream;
  bool output;
  std::string_view refusal;  // after "OPTION: '-' (standard input|output) "
};

RoleText text_of(FileRole role) {
  switch (role) {
    case FileRole::network:
      return {false, false,
              "cannot give a network: give a preset name, a spec file or a model file"};
    case FileRole::network_or_stdin:
      return {true, false, ""};
    case FileRole::model:
      return {false, false, "cannot give a model: give a file name ending in .h5, .hdf5 or .onnx"};
    case FileRole::checkpoint:
      return {false, false, "cannot give a checkpoint: give the checkpoint's file name"};
    case FileRole::data:
      return {false, false,
              "cannot give a data set: give an IDX, CIFAR or image directory or an HDF5 file"};
    case FileRole::class_names:
      return {false, false, "cannot give class names: give a file with one name per line"};
    case FileRole::model_output:
      return {false, true, "cannot take a model file: give a file name ending in .h5 or .hdf5"};
    case FileRole::checkpoint_output:
      return {false, true, "cannot take a checkpoint: give a file name ending in .h5 or .hdf5"};
    case FileRole::converted_output:
      return {false, true,
              "cannot take a model file: give a file name ending in .h5, .hdf5 or .onnx"};
    case FileRole::log_or_stdout:
      return {true, true, ""};
    case FileRole::images_or_stdin:
      return {true, false, ""};
    case FileRole::picture_output:
      return {false, true, "cannot take a picture: give a file name ending in .svg"};
  }
  return {false, false, "cannot be a standard stream: give a file name"};
}

bool is_positional(const std::string& name, const po::positional_options_description& positional) {
  // Tools have one positional name (which may repeat); a few positions cover it.
  const unsigned last = std::min(positional.max_total_count(), 4u);
  for (unsigned i = 0; i < last; ++i)
    if (positional.name_for_position(i) == name) return true;
  return false;
}

std::string display_name(const po::option_description& option,
                         const po::positional_options_description& positional) {
  const std::string& name = option.long_name();
  if (is_positional(name, positional)) {
    std::string upper = name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }
  const std::string shortest =
      option.canonical_display_name(po::command_line_style::allow_dash_for_short);
  return shortest.size() == 2 && shortest[0] == '-' ? shortest : "--" + name;
}

std::vector<std::string> texts_of(const boost::any& value) {
  if (const auto* one = boost::any_cast<std::string>(&value)) return {*one};
  if (const auto* many = boost::any_cast<std::vector<std::string>>(&value)) return *many;
  return {};
}

}  // namespace

void require_svg_name(std::string_view option, const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension != ".svg")
    throw UsageError(std::string(option) + " '" + path +
                     "': the file name must end in .svg (the picture is SVG)");
}

void check_file_options(const po::options_description& options,
                        const po::positional_options_description& positional,
                        const po::variables_map& values) {
  for (const auto& option : options.options()) {
    const auto* file = dynamic_cast<const detail::FileOption*>(option->semantic().get());
    if (!file) continue;
    const auto found = values.find(option->long_name());
    if (found == values.end()) continue;
    const RoleText text = text_of(file->role());
    if (text.takes_stream) continue;
    for (const auto& path : texts_of(found->second.value()))
      if (is_standard_stream(path))
        throw UsageError(display_name(*option, positional) + ": '-' (standard " +
                         (text.output ? "output" : "input") + ") " + std::string(text.refusal));
  }
}

}  // namespace nin::cli
