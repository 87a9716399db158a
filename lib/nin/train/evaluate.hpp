#pragma once
// Evaluation of a network on a data set: loss, top-1 and top-k accuracy, the confusion matrix and
// per-class precision, recall and F1; optionally every prediction. Results do not depend on the
// thread count, nor on the number of processes that share an evaluation.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "nin/data/dataset.hpp"
#include "nin/dist/communicator.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"

namespace nin {

// Throws FormatError when the images do not have the network's input shape, when the data set
// defines more classes than the network has, or when a label is out of the network's range.
void check_data_fits(const Dataset& data, const NetworkSpec& spec);

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;  // samples whose true label is this class
};

struct EvaluationResult {
  std::int64_t classes = 0;
  std::int64_t samples = 0;
  std::int64_t top_k = 1;
  double loss_sum = 0;
  std::int64_t top1_hits = 0;
  std::int64_t topk_hits = 0;
  std::vector<std::int64_t> confusion;  // classes × classes, row = true label, column = predicted

  double accuracy() const { return samples ? double(top1_hits) / double(samples) : 0.0; }
  double topk_accuracy() const { return samples ? double(topk_hits) / double(samples) : 0.0; }
  double mean_loss() const { return samples ? loss_sum / double(samples) : 0.0; }
  std::vector<ClassMetrics> per_class() const;
};

struct Prediction {
  std::int64_t index = 0;            // in the data set
  std::int32_t label = 0;            // −1: unknown
  std::vector<std::int32_t> top;     // best classes, most probable first (top_k of them)
  std::vector<float> probabilities;  // softmax probability of each of `top`
  std::vector<float> logits;         // the network's score of every class, before the softmax
};

// Runs `network` (eval phase) over the images at `indices` (all when empty) in batches of
// network.max_batch(). `on_prediction`, when set, is called for each sample in index order.
EvaluationResult evaluate(Network& network, const Dataset& data,
                          std::span<const std::int64_t> indices, const Normalization& normalization,
                          std::int64_t top_k,
                          const std::function<void(const Prediction&)>& on_prediction = {});

// The same evaluation shared among the ranks of `comm` (a collective call: every rank passes the
// same data, indices, top_k and a network of the same values and max_batch()). The batches are
// exactly those of one process; rank r runs a contiguous run of them (split_range), the ranks
// exchange the logits (Communicator::all_gather), and every rank then scores every sample in
// index order as one process does. So every rank returns the result of the single-process
// evaluate(), bit for bit (loss_sum included), whatever the number of ranks; a rank with no batch
// (more ranks than batches) just receives. `on_prediction` is called, on each rank that sets it,
// for every sample in index order; ranks may differ in setting it (nin-eval prints on rank 0
// only). Each rank holds the logits of all samples at once: samples × classes floats.
// Errors: check_data_fits's on every rank alike; Error on a rank whose number of samples, batch
// size or classes differs from rank 0's; when a batch fails on some rank, that rank
// rethrows its exception and the others throw PeerFailure naming the rank and its message, so no
// rank is left waiting in the exchange.
EvaluationResult evaluate(Communicator& comm, Network& network, const Dataset& data,
                          std::span<const std::int64_t> indices, const Normalization& normalization,
                          std::int64_t top_k,
                          const std::function<void(const Prediction&)>& on_prediction = {});

// Predictions for the images in `images` (n ≤ network.max_batch() images of raw pixels, each
// C×H×W bytes), in order, with no labels: index is the position in `images`, label −1.
std::vector<Prediction> classify(Network& network, std::span<const std::uint8_t> images,
                                 const Normalization& normalization, std::int64_t top_k);

}  // namespace nin
