#include "nin/train/evaluate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <numeric>
#include <string>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
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

// How an evaluation cuts `samples` into batches: batch b holds the samples [b·batch, (b+1)·batch)
// (the last one fewer), as one process forms them, so that the same images go through the same
// GEMMs whichever process runs the batch.
struct BatchPlan {
  std::int64_t batch, samples;
  std::int64_t batches() const { return (samples + batch - 1) / batch; }
  // Position of batch b's first sample; first_sample(batches()) == samples.
  std::int64_t first_sample(std::int64_t b) const { return std::min(b * batch, samples); }
};

// Runs the batches of a plan over the images at `indices`.
class BatchRunner {
 public:
  BatchRunner(Network& network, const Dataset& data, const Normalization& normalization,
              std::span<const std::int64_t> indices)
      : network_(network),
        maker_(data, normalization),
        indices_(indices),
        images_(static_cast<std::size_t>(network.max_batch() * network.spec().input.elements())) {}

  BatchPlan plan() const {
    return {network_.max_batch(), static_cast<std::int64_t>(indices_.size())};
  }

  // Runs batch b and writes its logits, one row of `classes` per sample, to `rows`.
  void run(std::int64_t b, float* rows) {
    const BatchPlan p = plan();
    const std::int64_t first = p.first_sample(b), n = p.first_sample(b + 1) - first;
    maker_.make(indices_.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(n)),
                images_.data());
    network_.forward(images_.data(), n, Phase::eval);
    network_.copy_logits(rows);
  }

 private:
  Network& network_;
  BatchMaker maker_;
  std::span<const std::int64_t> indices_;
  std::vector<float> images_;
};

// The scoring of one process: samples added in index order, the loss summed left to right (so
// its bits depend on that order only), and each prediction handed on as it is scored.
class ResultFold {
 public:
  ResultFold(const NetworkSpec& spec, std::int64_t top_k,
             const std::function<void(const Prediction&)>& on_prediction)
      : on_prediction_(on_prediction),
        order_(static_cast<std::size_t>(spec.classes)),
        probability_(static_cast<std::size_t>(spec.classes)) {
    result_.classes = spec.classes;
    result_.top_k = std::clamp<std::int64_t>(top_k, 1, spec.classes);
    result_.confusion.assign(static_cast<std::size_t>(spec.classes * spec.classes), 0);
  }

  // Scores the logits `row` of the data set's sample `index`, labelled `label`.
  void add(const float* row, std::int64_t index, std::int32_t label) {
    const std::int64_t classes = result_.classes, top_k = result_.top_k;
    const RowScore scored = score_row(row, classes, top_k, label, order_, probability_);
    result_.loss_sum += scored.loss;
    const std::int32_t predicted = order_[0];
    result_.top1_hits += predicted == label;
    result_.topk_hits +=
        std::find(order_.begin(), order_.begin() + top_k, label) != order_.begin() + top_k;
    ++result_.confusion[static_cast<std::size_t>(label * classes + predicted)];
    ++result_.samples;
    if (on_prediction_) {
      Prediction p = prediction_of(row, classes, top_k, order_, probability_, scored);
      p.index = index;
      p.label = label;
      on_prediction_(p);
    }
  }

  const EvaluationResult& result() const { return result_; }

 private:
  const std::function<void(const Prediction&)>& on_prediction_;
  EvaluationResult result_;
  std::vector<std::int32_t> order_;
  std::vector<double> probability_;
};

// After each rank has run its batches: whether any failed, agreed by all, so that no rank waits
// in the exchange for one that will never come. The failing rank (the lowest, when several)
// rethrows its own exception; the others throw PeerFailure with its message, so that the writer
// can report a failure that happened elsewhere.
void agree_on_failure(Communicator& comm, const std::exception_ptr& failure) {
  const int failed = comm.first_rank_with(failure != nullptr);
  if (failed < 0) return;
  std::string message;
  if (comm.rank() == failed) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "unknown exception";
    }
  }
  comm.broadcast(message, failed);
  if (failure) std::rethrow_exception(failure);
  throw PeerFailure("evaluation failed on rank " + std::to_string(failed) + ": " + message);
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
  SingleProcessCommunicator single;
  return evaluate(single, network, data, indices, normalization, top_k, on_prediction);
}

EvaluationResult evaluate(Communicator& comm, Network& network, const Dataset& data,
                          std::span<const std::int64_t> indices, const Normalization& normalization,
                          std::int64_t top_k,
                          const std::function<void(const Prediction&)>& on_prediction) {
  std::vector<std::int64_t> all;
  if (indices.empty()) {
    all.resize(static_cast<std::size_t>(data.size()));
    std::iota(all.begin(), all.end(), 0);
    indices = all;
  }
  const std::int64_t classes = network.spec().classes;
  const BatchPlan plan{network.max_batch(), static_cast<std::int64_t>(indices.size())};
  ResultFold fold(network.spec(), top_k, on_prediction);
  // Scores the logits of the sample at `position` in `indices`.
  const auto score = [&](const float* row, std::int64_t position) {
    const std::int64_t index = indices[static_cast<std::size_t>(position)];
    fold.add(row, index, data.labels[static_cast<std::size_t>(index)]);
  };
  if (comm.size() == 1) {
    // One process scores each batch as soon as it is done: predictions stream out, and no more
    // than a batch of logits is held.
    check_data_fits(data, network.spec());
    BatchRunner runner(network, data, normalization, indices);
    std::vector<float> logits(static_cast<std::size_t>(plan.batch * classes));
    for (std::int64_t b = 0; b < plan.batches(); ++b) {
      runner.run(b, logits.data());
      for (std::int64_t i = plan.first_sample(b); i < plan.first_sample(b + 1); ++i)
        score(logits.data() + (i - plan.first_sample(b)) * classes, i);
    }
    return fold.result();
  }

  // Rank r's batches, and the bytes of logits each rank contributes, known to every rank alike.
  const auto share = [&](int rank) { return split_range(plan.batches(), comm.size(), rank); };
  std::vector<std::size_t> sizes;
  for (int r = 0; r < comm.size(); ++r) {
    const Range batches = share(r);
    const std::int64_t rows = plan.first_sample(batches.end) - plan.first_sample(batches.begin);
    sizes.push_back(static_cast<std::size_t>(rows * classes) * sizeof(float));
  }
  const Range mine = share(comm.rank());
  std::vector<float> local(sizes[static_cast<std::size_t>(comm.rank())] / sizeof(float));
  // Everything that may throw before the exchange, on one rank and not the others, is agreed on.
  // The exchange fits together only when every rank cuts the same batches of the same rows.
  std::array<std::int64_t, 3> shape{plan.samples, plan.batch, classes}, writers = shape;
  comm.broadcast(std::as_writable_bytes(std::span(writers)), 0);
  std::exception_ptr failure;
  try {
    if (writers != shape)
      throw Error("rank " + std::to_string(comm.rank()) + ": " + std::to_string(plan.samples) +
                  " samples in batches of " + std::to_string(plan.batch) + ", " +
                  std::to_string(classes) + " classes; rank 0 has " + std::to_string(writers[0]) +
                  ", " + std::to_string(writers[1]) + ", " + std::to_string(writers[2]) +
                  ": every rank must evaluate the same samples with the same network");
    check_data_fits(data, network.spec());
    BatchRunner runner(network, data, normalization, indices);
    const std::int64_t first_row = plan.first_sample(mine.begin);
    for (std::int64_t b = mine.begin; b < mine.end; ++b)
      runner.run(b, local.data() + (plan.first_sample(b) - first_row) * classes);
  } catch (...) {
    failure = std::current_exception();
  }
  agree_on_failure(comm, failure);

  std::vector<float> logits(static_cast<std::size_t>(plan.samples * classes));
  comm.all_gather(std::as_bytes(std::span<const float>(local)),
                  std::as_writable_bytes(std::span(logits)), sizes);
  for (std::int64_t i = 0; i < plan.samples; ++i) score(logits.data() + i * classes, i);
  return fold.result();
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
