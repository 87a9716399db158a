#include "nin-eval/class_maps.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <system_error>
#include <vector>

#include "common/data_loading.hpp"
#include "common/model_loading.hpp"
#include "common/preprocessing_options.hpp"
#include "common/table.hpp"
#include "nin-eval/data_evaluation.hpp"
#include "nin-eval/report.hpp"
#include "nin/core/error.hpp"
#include "nin/io/png_writer.hpp"
#include "nin/train/batch_maker.hpp"
#include "nin/train/evaluate.hpp"
#include "nin/viz/class_map_grid.hpp"

namespace nin::eval_tool {
namespace {

namespace fs = std::filesystem;

std::string in_quotes(const fs::path& path) {
  return "'" + path.string() + "'";
}

// A class name as part of a file name: portable characters only, at most 64 of them.
std::string file_name_part(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (out.size() == 64) break;
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    out += keep ? c : '_';
  }
  return out;
}

std::string picture_name(std::int64_t index, const std::string& class_name) {
  char number[16];
  std::snprintf(number, sizeof number, "%05lld", static_cast<long long>(index));
  return std::string(number) + "-" + file_name_part(class_name) + ".png";
}

// Image i of the data set as 8-bit pixels for display (C×H×W, 1 or 3 channels): bytes as they
// are, float data stretched from its smallest to its largest value; beyond 3 channels (or 2),
// the first one as gray.
std::vector<std::uint8_t> display_pixels(const Dataset& data, std::int64_t i,
                                         std::int64_t& channels) {
  const Shape& s = data.shape;
  channels = s.channels == 3 ? 3 : 1;
  const std::int64_t count = channels * s.plane_size();
  const auto first = static_cast<std::size_t>(i * s.elements());
  std::vector<std::uint8_t> out(static_cast<std::size_t>(count));
  if (!data.bytes.empty()) {
    std::copy_n(data.bytes.begin() + static_cast<std::ptrdiff_t>(first), count, out.begin());
    return out;
  }
  const float* values = data.floats.data() + first;
  const auto [low, high] = std::minmax_element(values, values + count);
  const float range = *high - *low;
  for (std::int64_t j = 0; j < count; ++j)
    out[static_cast<std::size_t>(j)] =
        range > 0 ? static_cast<std::uint8_t>((values[j] - *low) / range * 255.0f + 0.5f) : 0;
  return out;
}

class ClassMapRows {
 public:
  ClassMapRows(std::ostream& out, cli::Format format) : out_(out), format_(format) {
    if (format_ == cli::Format::md)
      out_ << "| File | True | True class | Predicted | Predicted class |\n"
           << "|---|---:|---|---:|---|\n";
    else if (format_ != cli::Format::json)
      row({"file", "true", "true_class", "predicted", "predicted_class"});
  }

  void write(const std::string& file, std::int64_t label, const std::string& label_name,
             std::int64_t predicted, const std::string& predicted_name) {
    if (format_ == cli::Format::json) {
      const nlohmann::ordered_json j = {{"file", file},
                                        {"true", label},
                                        {"true_class", label_name},
                                        {"predicted", predicted},
                                        {"predicted_class", predicted_name}};
      out_ << cli::json_text(j) << '\n';
    } else {
      const std::vector<std::string> cells{file, std::to_string(label), label_name,
                                           std::to_string(predicted), predicted_name};
      if (format_ != cli::Format::md) return row(cells);
      for (const auto& cell : cells) out_ << "| " << cli::markdown_cell(cell) << " ";
      out_ << "|\n";
    }
  }

 private:
  void row(const std::vector<std::string>& cells) {
    cli::write_delimited_row(out_, cells, format_ == cli::Format::tsv ? '\t' : ',');
  }
  std::ostream& out_;
  cli::Format format_;
};

}  // namespace

void check_class_map_directory(const std::string& directory) {
  std::error_code ec;
  const fs::file_status status = fs::status(directory, ec);
  if (!fs::exists(status) || fs::is_directory(status)) return;
  const char* kind = fs::is_regular_file(status) ? "a regular file" : "not a directory";
  throw UsageError("--class-maps: " + in_quotes(directory) + " is " + kind +
                   ", expected a directory");
}

void write_class_maps(std::string_view tool, const ClassMapOptions& options, std::ostream& out) {
  const fs::path directory = options.directory;
  ModelContents contents = cli::read_model_any(options.model);
  cli::print_notes(tool, options.model, contents.notes);
  cli::apply_preprocessing(options.preprocessing, options.model, contents.spec.input.channels,
                           contents.info.normalization);
  const std::int64_t images = options.data_options.limit;
  const auto network =
      contents.build_network(std::min(options.batch, images), NetworkUse::inference);
  // Refused before the data set is read: it may take long, and would be read for nothing.
  if (!network->has_class_maps()) {
    try {
      (void)network->class_maps();
    } catch (const Error& e) {
      throw Error(in_quotes(options.model) + ": " + e.what());
    }
  }
  const Dataset data =
      is_image_dataset(options.data)
          ? cli::load_data_for(tool, options.data, options.data_options, contents.spec.input,
                               class_names_for(contents.spec, options.class_names_file, {}), true)
          : cli::load_data(tool, options.data, options.data_options);
  check_data_fits(data, contents.spec);
  const std::vector<std::string> names =
      class_names_for(contents.spec, options.class_names_file, data.class_names);
  std::vector<std::string> shown(static_cast<std::size_t>(contents.spec.classes));
  for (std::int64_t k = 0; k < contents.spec.classes; ++k)
    shown[static_cast<std::size_t>(k)] = class_name_of(names, k);

  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw IoError(in_quotes(directory) + ": cannot create: " + ec.message());

  ClassMapRows rows(out, options.format);
  const BatchMaker maker(data, contents.info.normalization);
  const std::int64_t count = std::min(images, data.size());
  const std::int64_t classes = contents.spec.classes;
  std::vector<std::int64_t> indices;
  std::vector<float> input(static_cast<std::size_t>(network->max_batch() * data.shape.elements()));
  std::vector<float> logits(static_cast<std::size_t>(network->max_batch() * classes));
  std::vector<float> maps;
  for (std::int64_t first = 0; first < count; first += network->max_batch()) {
    const std::int64_t n = std::min(network->max_batch(), count - first);
    indices.resize(static_cast<std::size_t>(n));
    std::iota(indices.begin(), indices.end(), first);
    maker.make(indices, input.data());
    network->forward(input.data(), n, Phase::eval);
    network->copy_logits(logits.data());
    const ConstActivations all = network->class_maps();
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t index = first + i;
      maps.resize(static_cast<std::size_t>(classes * all.plane()));
      for (std::int64_t k = 0; k < classes; ++k)
        std::copy_n(all.plane_of(k, i), all.plane(), maps.begin() + k * all.plane());
      const float* row = logits.data() + i * classes;
      ClassMapPicture picture;
      const std::vector<std::uint8_t> pixels = display_pixels(data, index, picture.image_channels);
      picture.image = pixels;
      picture.image_height = data.shape.height;
      picture.image_width = data.shape.width;
      picture.maps = maps;
      picture.classes = classes;
      picture.map_height = all.height;
      picture.map_width = all.width;
      picture.class_names = shown;
      picture.true_class = data.labels[static_cast<std::size_t>(index)];
      picture.predicted_class = std::max_element(row, row + classes) - row;
      const RgbImage grid = render_class_map_grid(picture);
      const std::string& true_name = shown[static_cast<std::size_t>(picture.true_class)];
      const fs::path path = directory / picture_name(index, true_name);
      write_png_file(path, grid.pixels(), grid.width(), grid.height(), 3);
      rows.write(path.string(), picture.true_class, true_name, picture.predicted_class,
                 shown[static_cast<std::size_t>(picture.predicted_class)]);
    }
  }
  out.flush();
}

}  // namespace nin::eval_tool
