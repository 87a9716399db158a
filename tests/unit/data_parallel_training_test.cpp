// nin::train on several ranks (threads standing in for MPI processes) against one process: the
// same model, running statistics, momentum and reported figures, bit for bit, with a validation
// split, augmentation, dropout, a batch that does not divide the data and a resume across rank
// counts.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <vector>

#include "data_test_files.hpp"
#include "nin/data/dataset.hpp"
#include "nin/io/model_contents.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/train/trainer.hpp"
#include "test_support.hpp"
#include "thread_communicator.hpp"

namespace {

namespace fs = std::filesystem;

const char* const kNet = R"({
  "input": {"channels": 1, "height": 8, "width": 8}, "classes": 3,
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 6, "kernel": 3, "pad": 1, "bias": false},
    {"name": "bn1", "type": "batch_norm"},
    {"name": "relu1", "type": "relu"},
    {"name": "pool1", "type": "max_pool", "kernel": 2, "stride": 2},
    {"name": "drop1", "type": "dropout", "ratio": 0.3},
    {"name": "cccp1", "type": "convolution", "outputs": 3, "kernel": 1},
    {"name": "gap", "type": "global_avg_pool"}
  ]})";

// The same with a fully connected head, whose GEMMs and gradient sums go by chunks too.
const char* const kFullyConnectedNet = R"({
  "input": {"channels": 1, "height": 8, "width": 8}, "classes": 3,
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 3, "pad": 1, "bias": false},
    {"name": "bn1", "type": "batch_norm"},
    {"name": "relu1", "type": "relu"},
    {"name": "pool1", "type": "max_pool", "kernel": 2, "stride": 2},
    {"name": "fc1", "type": "fully_connected", "outputs": 12},
    {"name": "fc1_relu", "type": "relu"},
    {"name": "drop1", "type": "dropout", "ratio": 0.3},
    {"name": "fc2", "type": "fully_connected", "outputs": 3}
  ]})";

// Images whose class sets a bright quadrant, with noise.
nin::Dataset make_data(std::int64_t n, std::uint64_t seed) {
  nin::Dataset d;
  d.shape = {1, 8, 8};
  d.classes = 3;
  d.format = "idx";
  d.source = "synthetic";
  for (std::int64_t i = 0; i < n; ++i) {
    const auto label =
        static_cast<std::int32_t>(nin::test::random_int(seed, static_cast<std::uint64_t>(i), 0, 2));
    d.labels.push_back(label);
    for (std::int64_t p = 0; p < 64; ++p) {
      const bool bright = (p / 8 < 4) == (label == 0) && (p % 8 < 4) == (label != 2);
      d.bytes.push_back(static_cast<std::uint8_t>(
          (bright ? 150 : 40) +
          nin::test::random_int(seed + 1, static_cast<std::uint64_t>(i * 64 + p), 0, 60)));
    }
  }
  return d;
}

struct Recorder final : nin::TrainingMonitor {
  std::vector<nin::EpochRecord> epochs;
  void on_epoch(const nin::EpochRecord& r) override { epochs.push_back(r); }
};

struct Run {
  nin::ModelContents model, checkpoint;
  std::vector<nin::EpochRecord> epochs;
};

Run train_on(int ranks, const fs::path& dir, std::int64_t stop_after = 0,
             const fs::path* resume = nullptr, const char* net = kNet) {
  static const nin::Dataset train = make_data(230, 7), test = make_data(50, 8);
  nin::TrainJob job;
  job.spec = nin::parse_network_spec(net, "data_parallel_test");
  job.train = &train;
  job.test = &test;
  job.options.epochs = 3;
  job.options.batch = 37;
  job.options.schedule.base_lr = 0.05;
  job.options.validation = 30;
  job.options.augmentation.crop_pad = 1;
  job.options.augmentation.flip = true;
  job.options.seed = 5;
  job.options.stop_after = stop_after;
  job.output = dir / "model.h5";
  job.checkpoint = dir / "checkpoint.h5";
  if (resume) job.resume = *resume;
  Recorder recorder;
  const std::atomic<int> stop{0};
  std::vector<Recorder> others(static_cast<std::size_t>(ranks));
  nin::test::run_ranks(ranks, [&](nin::Communicator& comm) {
    Recorder& silent = others[static_cast<std::size_t>(comm.rank())];
    nin::train(job, comm.is_writer() ? static_cast<nin::TrainingMonitor&>(recorder) : silent, stop,
               comm);
  });
  for (const Recorder& other : others) BOOST_TEST(other.epochs.empty(), "only the writer reports");
  return {nin::read_model_file(job.output, nin::ModelParts::parameters),
          nin::read_model_file(job.checkpoint, nin::ModelParts::checkpoint), recorder.epochs};
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

void check_same(const Run& one, const Run& many) {
  BOOST_TEST(same_bits(one.model.parameters, many.model.parameters), "model parameters");
  BOOST_TEST_REQUIRE(one.model.state.size() == many.model.state.size());
  for (std::size_t i = 0; i < one.model.state.size(); ++i)
    BOOST_TEST(same_bits(one.model.state[i], many.model.state[i]), "running statistics " << i);
  BOOST_TEST(same_bits(one.checkpoint.parameters, many.checkpoint.parameters));
  BOOST_TEST(same_bits(one.checkpoint.checkpoint->velocity, many.checkpoint.checkpoint->velocity),
             "momentum");
  BOOST_TEST(one.checkpoint.checkpoint->random_state == many.checkpoint.checkpoint->random_state);
  BOOST_TEST_REQUIRE(one.epochs.size() == many.epochs.size());
  for (std::size_t e = 0; e < one.epochs.size(); ++e) {
    BOOST_TEST(one.epochs[e].train_loss == many.epochs[e].train_loss);
    BOOST_TEST(one.epochs[e].train_accuracy == many.epochs[e].train_accuracy);
    BOOST_TEST(one.epochs[e].eval_loss == many.epochs[e].eval_loss);
    BOOST_TEST(one.epochs[e].eval_accuracy == many.epochs[e].eval_accuracy);
    BOOST_TEST(one.epochs[e].learning_rate == many.epochs[e].learning_rate);
  }
}

BOOST_AUTO_TEST_SUITE(data_parallel_training)

BOOST_DATA_TEST_CASE(any_number_of_ranks_trains_the_same_model,
                     boost::unit_test::data::make({kNet, kFullyConnectedNet}), net) {
  const nin::test::TempDir dir;
  const Run one = train_on(1, dir.subdir("1"), 0, nullptr, net);
  BOOST_TEST_REQUIRE(one.epochs.size() == 3u);
  BOOST_TEST(one.epochs.back().train_loss < one.epochs.front().train_loss);
  for (const int ranks : {2, 3, 4}) {
    BOOST_TEST_CONTEXT(ranks << " ranks") {
      check_same(one, train_on(ranks, dir.subdir(std::to_string(ranks)), 0, nullptr, net));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_run_stopped_on_two_ranks_resumes_on_three) {
  const nin::test::TempDir dir;
  const Run whole = train_on(1, dir.subdir("whole"));
  train_on(2, dir.subdir("parts"), 1);
  const fs::path checkpoint = dir.path() / "parts" / "checkpoint.h5";
  const fs::path resumed = dir.path() / "parts" / "resumed.h5";
  fs::copy_file(checkpoint, resumed);
  Run rest = train_on(3, dir.path() / "parts", 0, &resumed);
  rest.epochs.insert(rest.epochs.begin(), whole.epochs.front());  // the first run's epoch
  check_same(whole, rest);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
