#pragma once
// nin-eval's outputs: the summary table (one row per model), per-class metrics and confusion
// matrices, and per-sample predictions.

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "nin/data/image_translate.hpp"
#include "nin/train/evaluate.hpp"

namespace nin::eval_tool {

struct ModelResult {
  std::string path;
  std::string network;
  std::vector<std::string> class_names;
  EvaluationResult result;
  Translation shift;  // of the images the result was measured on
  std::string error;  // why the model could not be evaluated (then nothing else is set)
};

// The name of class k: names[k] when there is one, else the number.
std::string class_name_of(const std::vector<std::string>& names, std::int64_t k);

// What every prediction line says after naming its image, in csv/tsv/md: predicted, class_name,
// confidence ("%.6f"), top_k ("7:0.204056 9:0.167370 ...").
std::vector<std::string> prediction_cells(const Prediction& p,
                                          const std::vector<std::string>& class_names);

// The same as JSON keys added to `line`, with the probabilities of the top k and every logit.
void add_prediction_keys(nlohmann::ordered_json& line, const Prediction& p,
                         const std::vector<std::string>& class_names);

// One row per model; a model with an error gets a row with the message in place of figures (md:
// in the Network column; csv/tsv: an `error` column, empty for the others; json: an `error` key).
void write_summary(std::ostream& out, const std::vector<ModelResult>& models, cli::Format format,
                   bool details);

// One row per model and shift, in the order of `models`: model, dx, dy, top-1 accuracy, mean
// loss, top-k accuracy (md: percentages; csv, tsv, json: fractions, as in the summary). A model
// with an error gets one row with its message (md: in the DX column; csv/tsv: an `error` column;
// json: an `error` key). JSON: {"shifts": [{"model", "dx", "dy", "top1_accuracy", "mean_loss",
// "top_k", "topk_accuracy"}, ...]}.
void write_shift_sweep(std::ostream& out, const std::vector<ModelResult>& models,
                       cli::Format format);

// One line per sample; csv/tsv with a header row, or JSON lines (which add every logit, written
// exactly: each number reads back as the same float32).
class PredictionWriter {
 public:
  PredictionWriter(std::ostream& out, cli::Format format);
  void write(const std::string& model, const Prediction& prediction,
             const std::vector<std::string>& class_names);

 private:
  std::ostream& out_;
  cli::Format format_;
  char separator_;
};

}  // namespace nin::eval_tool
