// Evaluation shared among ranks (N threads standing in for N processes): every rank returns the
// single-process result bit for bit and sees the same predictions in the same order, for 1 to 7
// ranks over a data set of 5 batches (the last one short, and 6 or 7 ranks leave some empty);
// a failure on one rank, or a rank given other samples, reaches them all instead of leaving them
// waiting.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ios>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/train/evaluate.hpp"
#include "test_support.hpp"
#include "thread_communicator.hpp"

namespace {

// conv 3×3 + ReLU + max pool + batch norm + conv 1×1 to the classes + global average pooling: a
// small NIN whose logits use every kind of layer evaluation runs.
const char* const kNet = R"({
  "input": {"channels": 2, "height": 8, "width": 8}, "classes": 7,
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 6, "kernel": 3, "pad": 1},
    {"name": "relu1", "type": "relu"},
    {"name": "pool1", "type": "max_pool", "kernel": 2, "stride": 2},
    {"name": "bn1", "type": "batch_norm"},
    {"name": "cccp1", "type": "convolution", "outputs": 7, "kernel": 1},
    {"name": "gap", "type": "global_avg_pool"}
  ]})";

constexpr std::int64_t kBatch = 8;
constexpr std::int64_t kSamples = 37;  // 5 batches, the last of 5 images
constexpr std::int64_t kTopK = 3;

nin::NetworkSpec spec() {
  return nin::parse_network_spec(kNet, "sharded_evaluation_test");
}

nin::Dataset dataset() {
  nin::Dataset data;
  data.shape = spec().input;
  data.classes = spec().classes;
  data.source = "sharded_evaluation_test";
  const std::int64_t pixels = kSamples * data.shape.elements();
  for (std::int64_t i = 0; i < pixels; ++i)
    data.bytes.push_back(static_cast<std::uint8_t>(
        nin::test::random_int(31, static_cast<std::uint64_t>(i), 0, 255)));
  for (std::int64_t i = 0; i < kSamples; ++i)
    data.labels.push_back(static_cast<std::int32_t>(
        nin::test::random_int(32, static_cast<std::uint64_t>(i), 0, data.classes - 1)));
  return data;
}

const nin::Normalization kNormalization{{120.0f, 130.0f}, {60.0f, 70.0f}};

// Each rank (thread) needs a network of its own; the same seed gives every one the same values.
std::unique_ptr<nin::Network> network() {
  auto net = std::make_unique<nin::Network>(spec(), kBatch, nin::NetworkUse::inference);
  net->initialize(11);
  return net;
}

// A prediction as bytes, so that sequences compare bit for bit (floats included).
std::string bytes_of(const nin::Prediction& p) {
  std::string b;
  const auto put = [&](const void* data, std::size_t size) {
    b.append(static_cast<const char*>(data), size);
  };
  put(&p.index, sizeof p.index);
  put(&p.label, sizeof p.label);
  put(p.top.data(), p.top.size() * sizeof(std::int32_t));
  put(p.probabilities.data(), p.probabilities.size() * sizeof(float));
  put(p.logits.data(), p.logits.size() * sizeof(float));
  return b;
}

struct Outcome {
  nin::EvaluationResult result;
  std::vector<std::string> predictions;
};

// The plain single-process evaluate(), the reference every rank must reproduce.
Outcome single(std::span<const std::int64_t> indices) {
  const auto data = dataset();
  const auto net = network();
  Outcome o;
  o.result = nin::evaluate(*net, data, indices, kNormalization, kTopK,
                           [&](const nin::Prediction& p) { o.predictions.push_back(bytes_of(p)); });
  return o;
}

// Every rank's outcome with `ranks` ranks; predictions recorded on the ranks `records` accepts.
std::vector<Outcome> sharded(int ranks, std::span<const std::int64_t> indices,
                             const std::function<bool(int)>& records) {
  const auto data = dataset();
  std::vector<Outcome> outcomes(static_cast<std::size_t>(ranks));
  nin::test::run_ranks(ranks, [&](nin::Communicator& comm) {
    const auto net = network();
    Outcome& o = outcomes[static_cast<std::size_t>(comm.rank())];
    std::function<void(const nin::Prediction&)> sink;
    if (records(comm.rank()))
      sink = [&](const nin::Prediction& p) { o.predictions.push_back(bytes_of(p)); };
    o.result = nin::evaluate(comm, *net, data, indices, kNormalization, kTopK, sink);
  });
  return outcomes;
}

void check_same(const nin::EvaluationResult& got, const nin::EvaluationResult& want,
                const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST(std::memcmp(&got.loss_sum, &want.loss_sum, sizeof(double)) == 0,
               "loss_sum " << std::hexfloat << got.loss_sum << " is not " << want.loss_sum);
    BOOST_TEST(got.samples == want.samples);
    BOOST_TEST(got.classes == want.classes);
    BOOST_TEST(got.top_k == want.top_k);
    BOOST_TEST(got.top1_hits == want.top1_hits);
    BOOST_TEST(got.topk_hits == want.topk_hits);
    BOOST_TEST(got.confusion == want.confusion, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_SUITE(sharded_evaluation)

BOOST_AUTO_TEST_CASE(reference_is_not_trivial) {
  // What the comparisons below rest on: every sample scored, a loss that is not zero, and
  // predictions that differ from sample to sample.
  const Outcome one = single({});
  BOOST_TEST(one.result.samples == kSamples);
  BOOST_TEST(one.result.loss_sum > 0.0);
  BOOST_TEST_REQUIRE(one.predictions.size() == static_cast<std::size_t>(kSamples));
  BOOST_TEST(one.predictions.front() != one.predictions.back());
}

BOOST_AUTO_TEST_CASE(every_rank_gets_the_single_process_result_for_1_to_7_ranks) {
  const Outcome want = single({});
  for (int ranks = 1; ranks <= 7; ++ranks) {
    const auto outcomes = sharded(ranks, {}, [](int) { return true; });
    for (int r = 0; r < ranks; ++r) {
      const Outcome& got = outcomes[static_cast<std::size_t>(r)];
      const std::string what = std::to_string(ranks) + " ranks, rank " + std::to_string(r);
      check_same(got.result, want.result, what);
      BOOST_TEST(got.predictions == want.predictions, what << ": predictions differ");
    }
  }
}

BOOST_AUTO_TEST_CASE(indices_in_any_order_are_scored_in_that_order) {
  // A subset, backwards: batches follow the order of `indices`, and so do the predictions.
  std::vector<std::int64_t> indices(30);
  std::iota(indices.rbegin(), indices.rend(), 5);
  const Outcome want = single(indices);
  BOOST_TEST(want.result.samples == 30);
  for (int ranks : {2, 3, 4}) {
    const auto outcomes = sharded(ranks, indices, [](int) { return true; });
    for (int r = 0; r < ranks; ++r) {
      const std::string what = std::to_string(ranks) + " ranks, rank " + std::to_string(r);
      check_same(outcomes[static_cast<std::size_t>(r)].result, want.result, what);
      BOOST_TEST(outcomes[static_cast<std::size_t>(r)].predictions == want.predictions,
                 what << ": predictions differ");
    }
  }
}

BOOST_AUTO_TEST_CASE(predictions_only_where_asked) {
  // nin-eval prints on rank 0 only; the others pass no callback and get the same result.
  const Outcome want = single({});
  const auto outcomes = sharded(3, {}, [](int rank) { return rank == 0; });
  BOOST_TEST(outcomes[0].predictions == want.predictions);
  for (int r = 0; r < 3; ++r) {
    check_same(outcomes[static_cast<std::size_t>(r)].result, want.result,
               "rank " + std::to_string(r));
    if (r > 0) BOOST_TEST(outcomes[static_cast<std::size_t>(r)].predictions.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_failure_on_one_rank_reaches_every_rank) {
  // Rank 2's normalisation has the wrong number of channels: it fails before its forward passes,
  // and the others must not wait for its logits.
  const auto data = dataset();
  const nin::Normalization wrong{{120.0f}, {60.0f}};
  std::vector<std::string> messages(4);
  std::vector<char> format_error(4, false),
      peer_failure(4, false);  // not vector<bool>: ranks write at once
  nin::test::run_ranks(4, [&](nin::Communicator& comm) {
    const auto net = network();
    const auto r = static_cast<std::size_t>(comm.rank());
    try {
      nin::evaluate(comm, *net, data, {}, comm.rank() == 2 ? wrong : kNormalization, kTopK);
      messages[r] = "no error";
    } catch (const nin::FormatError& e) {
      format_error[r] = true;
      messages[r] = e.what();
    } catch (const nin::PeerFailure& e) {
      peer_failure[r] = true;
      messages[r] = e.what();
    }
  });
  BOOST_TEST(format_error[2]);
  BOOST_TEST(messages[2].find("normalisation has 1") != std::string::npos, messages[2]);
  for (const std::size_t r : {0u, 1u, 3u}) {
    BOOST_TEST(peer_failure[r]);
    BOOST_TEST(messages[r] == "evaluation failed on rank 2: " + messages[2]);
  }
}

BOOST_AUTO_TEST_CASE(ranks_with_other_samples_are_refused) {
  // Rank 1 was given fewer samples (another copy of the data set, say): its logits would not fit
  // the others' exchange, so it fails and the others learn why.
  const auto data = dataset();
  const std::vector<std::int64_t> fewer = {0, 1, 2};
  std::vector<std::string> messages(3);
  std::vector<char> peer_failure(3, false);
  nin::test::run_ranks(3, [&](nin::Communicator& comm) {
    const auto net = network();
    const auto r = static_cast<std::size_t>(comm.rank());
    try {
      nin::evaluate(
          comm, *net, data,
          comm.rank() == 1 ? std::span<const std::int64_t>(fewer) : std::span<const std::int64_t>(),
          kNormalization, kTopK);
      messages[r] = "no error";
    } catch (const nin::PeerFailure& e) {
      peer_failure[r] = true;
      messages[r] = e.what();
    } catch (const nin::Error& e) {
      messages[r] = e.what();
    }
  });
  BOOST_TEST(!peer_failure[1]);
  BOOST_TEST(messages[1].find("rank 1: 3 samples in batches of 8, 7 classes; rank 0 has 37,") == 0,
             messages[1]);
  for (const std::size_t r : {0u, 2u}) {
    BOOST_TEST(peer_failure[r]);
    BOOST_TEST(messages[r] == "evaluation failed on rank 1: " + messages[1]);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
