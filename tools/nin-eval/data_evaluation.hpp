#pragma once
// nin-eval on a data set: every model evaluated on the same samples, one summary row each (or one
// line per sample), the samples shared among the ranks of the run. Every rank loads the data set
// and the models; rank 0 alone prints, the same bytes whatever the number of ranks.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/cli.hpp"
#include "nin-eval/shift_options.hpp"
#include "nin/data/dataset.hpp"
#include "nin/dist/communicator.hpp"
#include "nin/io/input_preprocessing.hpp"

namespace nin::eval_tool {

struct DataEvaluationOptions {
  std::string data;  // the data set's path
  DataOptions data_options;
  std::optional<InputPreprocessing> preprocessing;
  std::string class_names_file;  // empty: the model's names, else the data set's
  cli::Format format = cli::Format::md;
  std::int64_t top_k = 5;
  std::int64_t batch = 256;
  bool confusion = false;    // per-class metrics and confusion matrices in the summary
  bool predictions = false;  // one line per sample on `out`, the summary on stderr
  // Translations of the images: with one shift, the output of a plain evaluation on the moved
  // images; with a sweep, one row per model and shift instead of the summary.
  ShiftRequest shift;
  // --confusion-svg: with one model, its confusion matrix drawn into this file; empty: none.
  std::string confusion_svg;
};

// Evaluates each model at `models` and prints on `out` (on the writer rank). A model that cannot
// be read or evaluated gets an error row and a line on stderr, and the result is then
// cli::kFailure; a data set that cannot be read throws, on every rank alike, and so does a shift
// that does not fit a model's input (UsageError, before that model is evaluated).
int evaluate_on_data(std::string_view tool, Communicator& comm,
                     const std::vector<std::string>& models, const DataEvaluationOptions& options,
                     std::ostream& out);

// The class names of a model for output: those of --class-names, else the model's, else `fallback`.
std::vector<std::string> class_names_for(const NetworkSpec& spec, const std::string& file,
                                         const std::vector<std::string>& fallback);

}  // namespace nin::eval_tool
