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
      const float max = *std::max_element(row, row + spec.classes);
      double denominator = 0;
      for (std::int64_t k = 0; k < spec.classes; ++k) {
        probability[static_cast<std::size_t>(k)] = std::exp(double(row[k]) - max);
        denominator += probability[static_cast<std::size_t>(k)];
      }
      result.loss_sum += std::log(denominator) - (double(row[label]) - max);
      std::iota(order.begin(), order.end(), 0);
      // Highest logit first; ties go to the lower class index.
      std::partial_sort(order.begin(), order.begin() + result.top_k, order.end(),
                        [&](std::int32_t a, std::int32_t b) {
                          return row[a] > row[b] || (row[a] == row[b] && a < b);
                        });
      const std::int32_t predicted = order[0];
      result.top1_hits += predicted == label;
      result.topk_hits += std::find(order.begin(), order.begin() + result.top_k, label) !=
                          order.begin() + result.top_k;
      ++result.confusion[static_cast<std::size_t>(label * spec.classes + predicted)];
      ++result.samples;
      if (on_prediction) {
        Prediction p;
        p.index = chunk[static_cast<std::size_t>(i)];
        p.label = label;
        p.top.assign(order.begin(), order.begin() + result.top_k);
        p.logits.assign(row, row + spec.classes);
        for (const auto k : p.top)
          p.probabilities.push_back(
              static_cast<float>(probability[static_cast<std::size_t>(k)] / denominator));
        on_prediction(p);
      }
    }
  }
  return result;
}

}  // namespace nin
