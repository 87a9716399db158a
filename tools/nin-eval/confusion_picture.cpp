#include "nin-eval/confusion_picture.hpp"

#include <span>

#include "common/file_options.hpp"
#include "nin/data/dataset.hpp"
#include "nin/io/atomic_file.hpp"
#include "nin/io/output_path.hpp"
#include "nin/viz/confusion_heatmap.hpp"

namespace nin::eval_tool {
namespace {

// The last component of a path, also for a directory given with a trailing '/'.
std::string base_name(std::filesystem::path path) {
  if (!path.has_filename()) path = path.parent_path();
  return path.filename().string();
}

}  // namespace

void check_confusion_picture(const std::filesystem::path& path,
                             const std::vector<std::string>& models, const std::string& data) {
  cli::require_svg_name("--confusion-svg", path.string());
  check_output_path(path, "--confusion-svg");
  std::vector<NamedFile> inputs;
  for (const auto& model : models) inputs.push_back({"MODEL", model});
  for (const auto& file : dataset_files(data)) inputs.push_back({"--data", file});
  const NamedFile outputs[] = {{"--confusion-svg", path}};
  check_distinct_files(outputs, inputs);
  remove_stale_temporaries(path);
}

void write_confusion_picture(const std::filesystem::path& path, const ModelResult& model,
                             const std::string& data, const std::string& split) {
  ConfusionHeatmap heatmap;
  heatmap.classes = model.result.classes;
  heatmap.counts = model.result.confusion;
  heatmap.class_names = model.class_names;
  heatmap.title = base_name(model.path) + " on " + base_name(data) + " (" + split + ", " +
                  std::to_string(model.result.samples) + " images)";
  const std::string svg = confusion_heatmap_svg(heatmap);
  write_file_atomically(path, std::as_bytes(std::span(svg.data(), svg.size())));
}

}  // namespace nin::eval_tool
