#pragma once
// nin-eval --confusion-svg: the confusion matrix of the one model evaluated, drawn as a heat map
// (nin/viz/confusion_heatmap.hpp) into an SVG file.

#include <filesystem>
#include <string>
#include <vector>

#include "nin-eval/report.hpp"

namespace nin::eval_tool {

// The checks before anything is read: the name ends in .svg, the file can be replaced, and it is
// none of the files read (the models, the data set's files). Throws UsageError or IoError.
void check_confusion_picture(const std::filesystem::path& path,
                             const std::vector<std::string>& models, const std::string& data);

// Draws `model`'s confusion matrix into `path`, replaced atomically; `data` and `split` name what
// it was measured on in the picture's title. Throws IoError when the file cannot be written.
void write_confusion_picture(const std::filesystem::path& path, const ModelResult& model,
                             const std::string& data, const std::string& split);

}  // namespace nin::eval_tool
