#include "nin/train/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nin/core/error.hpp"
#include "nin/train/batch_maker.hpp"

namespace nin {
namespace {
std::string hwc(const Shape& s) {
  return std::to_string(s.height) + "×" + std::to_string(s.width) + "×" +
         std::to_string(s.channels);
}

// Softmax of one row of logits (in double, shifted by the maximum) and the classes ordered by
// score: highest logit first, ties to the lower class index. `order` and `probability` are
// scratch of `classes` entries; the first `top_k` of `order` are sorted.
struct RowScore {
  double denominator = 0;
  double loss = 0;  // −log p(label), when a label is given
};
RowScore score_row(const float* row, std::int64_t classes, std::int64_t top_k, std::int32_t label,
                   std::vector<std::int32_t>& order, std::vector<double>& probability) {
  const float max = *std::max_element(row, row + classes);
  RowScore score;
  for (std::int64_t k = 0; k < classes; ++k) {
    probability[static_cast<std::size_t>(k)] = std::exp(double(row[k]) - max);
    score.denominator += probability[static_cast<std::size_t>(k)];
  }
  if (label >= 0) score.loss = std::log(score.denominator) - (double(row[label]) - max);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + top_k, order.end(),
                    [&](std::int32_t a, std::int32_t b) {
                      return row[a] > row[b] || (row[a] == row[b] && a < b);
                    });
  return score;
}

Prediction prediction_of(const float* row, std::int64_t classes, std::int64_t top_k,
                         const std::vector<std::int32_t>& order,
                         const std::vector<double>& probability, const RowScore& score) {
  Prediction p;
  p.top.assign(order.begin(), order.begin() + top_k);
  p.logits.assign(row, row + classes);
  for (const auto k : p.top)
    p.probabilities.push_back(
        static_cast<float>(probability[static_cast<std::size_t>(k)] / score.denominator));
  return p;
}

}  // namespace

void check_data_fits(const Dataset& data, const NetworkSpec& spec) {
  if (!(data.shape == spec.input))
    throw FormatError("'" + data.source + "': images are " + hwc(data.shape) + ", the network '" +
                      (spec.name.empty() ? spec.source : spec.name) + "' expects " +
                      hwc(spec.input));
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const auto label = data.labels[static_cast<std::size_t>(i)];
    if (label < 0 || label >= spec.classes)
      throw FormatError("'" + data.source + "': label " + std::to_string(label) + " of record " +
                        std::to_string(i) + " is out of range for the network's " +
                        std::to_string(spec.classes) + " classes");
  }
  if (data.classes > spec.classes)
    throw FormatError("'" + data.source + "': the data set has " + std::to_string(data.classes) +
                      " classes, the network " + std::to_string(spec.classes));
}

std::vector<ClassMetrics> EvaluationResult::per_class() const {
  std::vector<ClassMetrics> metrics(static_cast<std::size_t>(classes));
  for (std::int64_t k = 0; k < classes; ++k) {
    std::int64_t true_positive = confusion[static_cast<std::size_t>(k * classes + k)];
    std::int64_t actual = 0, predicted = 0;
    for (std::int64_t j = 0; j < classes; ++j) {
      actual += confusion[static_cast<std::size_t>(k * classes + j)];
      predicted += confusion[static_cast<std::size_t>(j * classes + k)];
    }
    ClassMetrics& m = metrics[static_cast<std::size_t>(k)];
    m.support = actual;
    m.precision = predicted ? double(true_positive) / double(predicted) : 0.0;
    m.recall = actual ? double(true_positive) / double(actual) : 0.0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
  }
  return metrics;
}

EvaluationResult evaluate(Network& network, const Dataset& data,
                          std::span<const std::int64_t> indices, const Normalization& normalization,
                          std::int64_t top_k,
                          const std::function<void(const Prediction&)>& on_prediction) {
  const NetworkSpec& spec = network.spec();
  check_data_fits(data, spec);
  std::vector<std::int64_t> all;
  if (indices.empty()) {
    all.resize(static_cast<std::size_t>(data.size()));
    std::iota(all.begin(), all.end(), 0);
    indices = all;
  }
  EvaluationResult result;
  result.classes = spec.classes;
  result.top_k = std::clamp<std::int64_t>(top_k, 1, spec.classes);
  result.confusion.assign(static_cast<std::size_t>(spec.classes * spec.classes), 0);

  const BatchMaker maker(data, normalization);
  const std::int64_t batch = network.max_batch();
  std::vector<float> images(static_cast<std::size_t>(batch * spec.input.elements()));
  std::vector<float> logits(static_cast<std::size_t>(batch * spec.classes));
  std::vector<std::int32_t> order(static_cast<std::size_t>(spec.classes));
  std::vector<double> probability(static_cast<std::size_t>(spec.classes));
  const std::int64_t total = static_cast<std::int64_t>(indices.size());
  for (std::int64_t first = 0; first < total; first += batch) {
    const std::int64_t n = std::min(batch, total - first);
    const auto chunk =
        indices.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(n));
    maker.make(chunk, images.data());
    network.forward(images.data(), n, Phase::eval);
    network.copy_logits(logits.data());
    for (std::int64_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * spec.classes;
      const std::int32_t label =
          data.labels[static_cast<std::size_t>(chunk[static_cast<std::size_t>(i)])];
      const RowScore score = score_row(row, spec.classes, result.top_k, label, order, probability);
      result.loss_sum += score.loss;
      const std::int32_t predicted = order[0];
      result.top1_hits += predicted == label;
      result.topk_hits += std::find(order.begin(), order.begin() + result.top_k, label) !=
                          order.begin() + result.top_k;
      ++result.confusion[static_cast<std::size_t>(label * spec.classes + predicted)];
      ++result.samples;
      if (on_prediction) {
        Prediction p = prediction_of(row, spec.classes, result.top_k, order, probability, score);
        p.index = chunk[static_cast<std::size_t>(i)];
        p.label = label;
        on_prediction(p);
      }
    }
  }
  return result;
}

std::vector<Prediction> classify(Network& network, std::span<const std::uint8_t> images,
                                 const Normalization& normalization, std::int64_t top_k) {
  const NetworkSpec& spec = network.spec();
  const std::int64_t elements = spec.input.elements();
  const auto n = static_cast<std::int64_t>(images.size()) / elements;
  if (n * elements != static_cast<std::int64_t>(images.size()) || n > network.max_batch())
    throw std::invalid_argument("classify: images do not fill a batch of the network");
  // The images as a data set of their own, so that they are normalised as evaluate() does it.
  Dataset batch;
  batch.shape = spec.input;
  batch.classes = spec.classes;
  batch.bytes.assign(images.begin(), images.end());
  batch.labels.assign(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> indices(static_cast<std::size_t>(n));
  std::iota(indices.begin(), indices.end(), 0);
  std::vector<float> input(static_cast<std::size_t>(n * elements));
  BatchMaker(batch, normalization).make(indices, input.data());
  network.forward(input.data(), n, Phase::eval);
  std::vector<float> logits(static_cast<std::size_t>(n * spec.classes));
  network.copy_logits(logits.data());
  const std::int64_t k = std::clamp<std::int64_t>(top_k, 1, spec.classes);
  std::vector<std::int32_t> order(static_cast<std::size_t>(spec.classes));
  std::vector<double> probability(static_cast<std::size_t>(spec.classes));
  std::vector<Prediction> predictions;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = logits.data() + i * spec.classes;
    const RowScore score = score_row(row, spec.classes, k, -1, order, probability);
    predictions.push_back(prediction_of(row, spec.classes, k, order, probability, score));
    predictions.back().index = i;
    predictions.back().label = -1;
  }
  return predictions;
}

}  // namespace nin
