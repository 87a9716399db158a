#include "nin-eval/image_predictions.hpp"

#include <exception>
#include <nlohmann/json.hpp>

#include "common/table.hpp"
#include "nin-eval/path_source.hpp"
#include "nin-eval/report.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/image_resize.hpp"
#include "nin/train/evaluate.hpp"

namespace nin::eval_tool {
namespace {

class ImagePredictionWriter {
 public:
  ImagePredictionWriter(std::ostream& out, const ImagePredictionOptions& options)
      : out_(out), options_(options) {
    switch (options_.format) {
      case cli::Format::json:
        break;
      case cli::Format::md:
        out_ << "| File | Predicted | Class | Confidence | Top-" << options.top_k << " |\n"
             << "|---|---:|---|---:|---|\n";
        break;
      default:
        row({"file", "predicted", "class_name", "confidence", "top_k"});
    }
  }

  void write(const std::string& file, const Prediction& p) {
    if (options_.format == cli::Format::json) {
      nlohmann::ordered_json j = {{"file", file}};
      add_prediction_keys(j, p, options_.class_names);
      out_ << cli::json_text(j) << '\n';
      return;
    }
    std::vector<std::string> cells{file};
    const auto rest = prediction_cells(p, options_.class_names);
    cells.insert(cells.end(), rest.begin(), rest.end());
    if (options_.format != cli::Format::md) return row(cells);
    for (const auto& cell : cells) out_ << "| " << cli::markdown_cell(cell) << " ";
    out_ << "|\n";
  }

 private:
  void row(const std::vector<std::string>& cells) {
    cli::write_delimited_row(out_, cells, options_.format == cli::Format::tsv ? '\t' : ',');
  }

  std::ostream& out_;
  const ImagePredictionOptions& options_;
};

}  // namespace

std::int64_t predict_images(std::string_view tool, Network& network,
                            const Normalization& normalization, std::vector<std::string> paths,
                            const ImagePredictionOptions& options, std::ostream& out) {
  PathSource source(std::move(paths));
  ImagePredictionWriter writer(out, options);
  out.flush();
  const Shape shape = network.spec().input;
  const std::int64_t elements = shape.elements();
  const std::int64_t capacity = network.max_batch();
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(capacity * elements));
  std::vector<std::string> batch, errors;
  std::vector<std::uint8_t> good;
  std::vector<std::uint8_t> packed;
  std::int64_t failures = 0;
  while (!source.done()) {
    // A batch is what has arrived: it ends when it is full or the input would make us wait.
    batch.clear();
    while (static_cast<std::int64_t>(batch.size()) < capacity) {
      auto path = source.next(batch.empty());
      if (!path) break;
      batch.push_back(std::move(*path));
    }
    if (batch.empty()) continue;
    const auto n = static_cast<std::int64_t>(batch.size());
    errors.assign(batch.size(), {});
    parallel_for(n, [&](std::int64_t i) {
      const auto at = static_cast<std::size_t>(i);
      // A line read from a pipe may hold a NUL, which no file name can.
      if (batch[at].find('\0') != std::string::npos) {
        errors[at] = "'" + cli::one_line(batch[at]) + "': a file name with a NUL byte";
        return;
      }
      try {
        const DecodedImage image = read_image_file(batch[at], shape.channels);
        image_to_input(image, shape, options.center_crop,
                       {pixels.data() + i * elements, static_cast<std::size_t>(elements)});
      } catch (const std::exception& e) {
        // Library messages name the file; anything else gets its name in front.
        const std::string named = "'" + batch[at] + "'";
        errors[at] = e.what();
        if (errors[at].compare(0, named.size(), named) != 0) errors[at] = named + ": " + errors[at];
      }
    });
    // The readable images, packed in input order.
    packed.clear();
    for (std::int64_t i = 0; i < n; ++i)
      if (errors[static_cast<std::size_t>(i)].empty())
        packed.insert(packed.end(), pixels.begin() + i * elements,
                      pixels.begin() + (i + 1) * elements);
    const auto predictions = packed.empty()
                                 ? std::vector<Prediction>{}
                                 : classify(network, packed, normalization, options.top_k);
    std::size_t next = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto at = static_cast<std::size_t>(i);
      if (!errors[at].empty()) {
        out.flush();
        cli::print_error(tool, errors[at]);
        ++failures;
        continue;
      }
      writer.write(batch[at], predictions[next++]);
    }
    out.flush();
  }
  return failures;
}

}  // namespace nin::eval_tool
