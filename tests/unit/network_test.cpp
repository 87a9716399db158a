// The Network and the SGD optimiser end to end: the network's forward against a chain of reference
// layers, Network::backward against finite differences of the mean loss, bit-identical training
// for any thread count and any number of processes, the SGD update rule on a hand-computed example,
// and evaluation-phase determinism (dropout is the identity).

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/spec/preset_catalog.hpp"
#include "nin/train/sgd.hpp"
#include "reference_layers.hpp"
#include "test_support.hpp"
#include "thread_communicator.hpp"

namespace {

namespace ref = nin::reference;
using nin::Phase;
using nin::test::compare;
using nin::test::to_double;

nin::NetworkSpec spec_from(const std::string& json) {
  return nin::parse_network_spec(json, "network_test");
}

// conv 3×3 pad 1 + ReLU (fused) + max pool + batch norm + conv 1×1 + global average pooling.
const char* const kTinyNet = R"({
  "input": {"channels": 2, "height": 6, "width": 5}, "classes": 3,
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 3, "pad": 1},
    {"name": "relu1", "type": "relu"},
    {"name": "pool1", "type": "max_pool", "kernel": 2, "stride": 2},
    {"name": "bn1", "type": "batch_norm"},
    {"name": "cccp1", "type": "convolution", "outputs": 3, "kernel": 1},
    {"name": "gap", "type": "global_avg_pool"}
  ]})";

// Images stored image after image (C×H×W each), as Network::forward takes them.
std::vector<float> images(const nin::Shape& shape, std::int64_t n, std::uint64_t seed) {
  return nin::test::random_reals(shape.elements() * n, seed, -1.0f, 1.0f);
}
std::vector<std::int32_t> labels(std::int64_t n, std::int64_t classes, std::uint64_t seed) {
  std::vector<std::int32_t> l;
  for (std::int64_t i = 0; i < n; ++i)
    l.push_back(static_cast<std::int32_t>(
        nin::test::random_int(seed, static_cast<std::uint64_t>(i), 0, classes - 1)));
  return l;
}

// NCHW images → CNHW reference tensor.
ref::Tensor4 to_cnhw(const std::vector<float>& x, const nin::Shape& s, std::int64_t n) {
  ref::Tensor4 t({s.channels, n, s.height, s.width});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t c = 0; c < s.channels; ++c)
      for (std::int64_t h = 0; h < s.height; ++h)
        for (std::int64_t w = 0; w < s.width; ++w)
          t.at(c, i, h, w) =
              x[static_cast<std::size_t>(((i * s.channels + c) * s.height + h) * s.width + w)];
  return t;
}

std::vector<double> values_of(const nin::Parameter& p) {
  return to_double(p.value, p.size());
}

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(forward_matches_reference_chain) {
  const nin::NetworkSpec spec = spec_from(kTinyNet);
  const std::int64_t n = 4;
  nin::Network net(spec, n);
  net.initialize(3);
  auto params = net.parameters();
  BOOST_TEST_REQUIRE(params.size() ==
                     6u);  // conv1 weight, bias; bn1 scale, shift; cccp1 weight, bias
  // Non-trivial biases, scales and shifts (initialisation makes them 0 and 1).
  for (std::size_t i : {1u, 2u, 3u, 5u}) {
    nin::Parameter& p = *params[i].parameter;
    for (std::int64_t j = 0; j < p.size(); ++j)
      p.value[j] = (i == 2 ? 1.0f : 0.0f) +
                   nin::test::random_real(40 + i, static_cast<std::uint64_t>(j), -0.3f, 0.3f);
  }
  const std::vector<float> x = images(spec.input, n, 41);
  net.forward(x.data(), n, Phase::train);

  const auto& conv1 = spec.layers[0];
  const auto& pool1 = spec.layers[2];
  const auto& bn1 = spec.layers[3];
  const auto& cccp1 = spec.layers[4];
  ref::Tensor4 t =
      ref::convolution_forward(to_cnhw(x, spec.input, n), values_of(*params[0].parameter),
                               values_of(*params[1].parameter), 4, conv1.window, true);
  t = ref::pooling_forward(t, pool1.window, ref::Pool::max, pool1.ceil_mode);
  t = ref::batch_norm_train(t, values_of(*params[2].parameter), values_of(*params[3].parameter),
                            bn1.bn_eps, false)
          .out;
  t = ref::convolution_forward(t, values_of(*params[4].parameter), values_of(*params[5].parameter),
                               3, cccp1.window, false);
  t = ref::global_average_forward(t);
  const nin::ConstActivations logits = net.logits();
  BOOST_TEST_REQUIRE(logits.channels == 3);
  BOOST_TEST_REQUIRE(logits.batch == n);
  const auto result = compare(to_double(logits.data, 3 * n), t.values, 1e-4, 1e-5);
  BOOST_TEST(result.ok(), result.report);

  // copy_logits transposes to one row per image.
  std::vector<float> rows(static_cast<std::size_t>(3 * n));
  net.copy_logits(rows.data());
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < 3; ++k)
      BOOST_TEST(rows[static_cast<std::size_t>(i * 3 + k)] == logits.data[k * n + i]);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_of_the_mean_loss) {
  const nin::NetworkSpec spec = spec_from(kTinyNet);
  const std::int64_t n = 4;
  nin::Network net(spec, n);
  net.initialize(11);
  auto params = net.parameters();
  for (std::size_t i : {1u, 2u, 3u, 5u}) {
    nin::Parameter& p = *params[i].parameter;
    for (std::int64_t j = 0; j < p.size(); ++j)
      p.value[j] += nin::test::random_real(50 + i, static_cast<std::uint64_t>(j), -0.3f, 0.3f);
  }
  const std::vector<float> x = images(spec.input, n, 51);
  const std::vector<std::int32_t> y = labels(n, 3, 52);

  net.forward(x.data(), n, Phase::train);
  const nin::LossResult trained = net.backward(y.data());
  const auto grads = net.parameter_gradients();
  const std::vector<float> analytic(grads.begin(), grads.end());
  const auto loss = [&] {
    net.forward(x.data(), n, Phase::train);
    return net.evaluate(y.data()).loss_sum / static_cast<double>(n);
  };
  BOOST_TEST(loss() == trained.loss_sum / static_cast<double>(n),
             boost::test_tools::tolerance(1e-12));

  // Every parameter (99 of them), one tensor at a time so failures name the tensor.
  const auto values = net.parameter_values();
  std::int64_t offset = 0;
  for (const auto& named : params) {
    const nin::Parameter& p = *named.parameter;
    BOOST_TEST_CONTEXT(named.layer << "." << p.name) {
      std::vector<std::int64_t> indices;
      for (std::int64_t j = 0; j < p.size(); ++j) indices.push_back(offset + j);
      const auto numeric = nin::test::numeric_gradient(values.data(), indices, 1e-2f, loss);
      const auto picked = nin::test::pick(analytic, indices);
      const double scale = std::max(nin::test::max_abs(numeric), nin::test::max_abs(picked));
      const auto result = compare(picked, numeric, 2e-2, 2e-3 * scale);
      BOOST_TEST(result.ok(),
                 result.failed << " of " << result.checked << " differ" << result.report);
      BOOST_TEST(scale > 1e-4);
      std::vector<double> wrong = picked;
      for (auto& g : wrong) g *= 1.1;
      BOOST_TEST(!compare(wrong, numeric, 2e-2, 2e-3 * scale).ok(), "the check cannot fail");
    }
    offset += p.size();
  }
  BOOST_TEST(offset == static_cast<std::int64_t>(values.size()));
}

// conv (3 blocks of 16 images) + BN + ReLU, cccp (3 blocks), max pool, dropout, conv + BN + ReLU,
// cccp, global pooling; 33 images of 8×8.
const char* const kTrainNet = R"({
  "input": {"channels": 3, "height": 8, "width": 8}, "classes": 4,
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 8, "kernel": 3, "pad": 1, "bias": false},
    {"name": "bn1", "type": "batch_norm"},
    {"name": "relu1", "type": "relu"},
    {"name": "cccp1", "type": "convolution", "outputs": 8, "kernel": 1},
    {"name": "relu2", "type": "relu"},
    {"name": "pool1", "type": "max_pool", "kernel": 3, "stride": 2},
    {"name": "drop1", "type": "dropout", "ratio": 0.5},
    {"name": "conv2", "type": "convolution", "outputs": 8, "kernel": 3, "pad": 1, "bias": false},
    {"name": "bn2", "type": "batch_norm"},
    {"name": "relu3", "type": "relu"},
    {"name": "cccp2", "type": "convolution", "outputs": 4, "kernel": 1},
    {"name": "gap", "type": "global_avg_pool"}
  ]})";

struct TrainedState {
  std::vector<float> parameters, state, logits;
  double first_loss = 0.0, last_loss = 0.0;
};

// Trains on `ranks` processes (threads standing in for them), each with its own network and its
// share of every global batch of n images; returns rank 0's result after checking that every
// rank holds the same bits.
TrainedState train(int threads, int ranks = 1, std::int64_t n = 33) {
  nin::ThreadLimit limit(threads);
  BOOST_TEST_REQUIRE(nin::max_threads() == threads);
  const nin::NetworkSpec spec = spec_from(kTrainNet);
  std::vector<TrainedState> results(static_cast<std::size_t>(ranks));
  nin::test::run_ranks(ranks, [&](nin::Communicator& comm) {
    nin::Network net(spec, n);
    net.initialize(2024);
    nin::Sgd sgd(net, {0.9, 5e-4, true});
    TrainedState& s = results[static_cast<std::size_t>(comm.rank())];
    const nin::BatchShare share(n, comm);
    const std::int64_t first = share.first_image(), count = share.images();
    for (std::uint64_t step = 0; step < 20; ++step) {
      const std::vector<float> x = images(spec.input, n, 100 + step % 4);
      const std::vector<std::int32_t> y = labels(n, 4, 200 + step % 4);
      net.forward(x.data() + first * spec.input.elements(), count, Phase::train, &share);
      const double loss = net.backward(y.data() + first).loss_sum / static_cast<double>(n);
      if (step == 0) s.first_loss = loss;
      s.last_loss = loss;
      sgd.step(0.05);
    }
    const auto values = net.parameter_values();
    s.parameters.assign(values.begin(), values.end());
    for (const auto& named : net.state())
      s.state.insert(s.state.end(), named.state->value,
                     named.state->value + named.state->dims.at(0));
    const std::vector<float> x = images(spec.input, n, 300);
    net.forward(x.data(), n, Phase::eval);
    s.logits.resize(static_cast<std::size_t>(4 * n));
    net.copy_logits(s.logits.data());
  });
  for (int r = 1; r < ranks; ++r) {
    const TrainedState& other = results[static_cast<std::size_t>(r)];
    BOOST_TEST((other.parameters == results[0].parameters), "parameters differ on rank " << r);
    BOOST_TEST((other.state == results[0].state), "running statistics differ on rank " << r);
    BOOST_TEST(other.last_loss == results[0].last_loss, "loss differs on rank " << r);
  }
  return results[0];
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

BOOST_AUTO_TEST_CASE(training_is_bit_identical_for_any_thread_count) {
  TrainedState one, two, eight;
  { one = train(1); }
  { two = train(2); }
  { eight = train(8); }
  BOOST_TEST(std::isfinite(one.last_loss));
  BOOST_TEST(one.last_loss < one.first_loss,
             "training did not reduce the loss: " << one.first_loss << " -> " << one.last_loss);
  BOOST_TEST(one.parameters.size() > 0u);
  BOOST_TEST(same_bits(one.parameters, two.parameters), "parameters: 1 vs 2 threads");
  BOOST_TEST(same_bits(one.parameters, eight.parameters), "parameters: 1 vs 8 threads");
  BOOST_TEST(same_bits(one.state, two.state), "running statistics: 1 vs 2 threads");
  BOOST_TEST(same_bits(one.state, eight.state), "running statistics: 1 vs 8 threads");
  BOOST_TEST(same_bits(one.logits, two.logits), "eval logits: 1 vs 2 threads");
  BOOST_TEST(same_bits(one.logits, eight.logits), "eval logits: 1 vs 8 threads");
}

// Data-parallel training: a global batch shared among 2..5 processes (threads here; MPI ranks in
// nin-train) gives the bits of one process, also when some hold no image at all (3 images, 5
// ranks) and for 2 threads per rank.
BOOST_AUTO_TEST_CASE(training_is_bit_identical_for_any_number_of_processes) {
  for (const std::int64_t n : {33, 3}) {
    const TrainedState one = train(1, 1, n);
    BOOST_TEST(std::isfinite(one.last_loss));
    for (int ranks = 2; ranks <= 5; ++ranks) {
      BOOST_TEST_CONTEXT(n << " images, " << ranks << " ranks") {
        const TrainedState many = train(ranks == 3 ? 2 : 1, ranks, n);
        BOOST_TEST(same_bits(one.parameters, many.parameters), "parameters");
        BOOST_TEST(same_bits(one.state, many.state), "running statistics");
        BOOST_TEST(one.first_loss == many.first_loss);
        BOOST_TEST(one.last_loss == many.last_loss);
      }
    }
  }
}

// The update of sgd.hpp, g = grad + decay·w; v = μ·v + g; w −= lr·mult·(nesterov ? g + μ·v : v),
// worked by hand for two steps with lr 0.1, μ 0.9, decay 0.1 (convolution weights only) and
// learning-rate multipliers 2 (conv weight), 0.5 (conv bias), 1 (scale) and 3 (shift).
const char* const kSgdNet = R"({
  "input": {"channels": 1, "height": 1, "width": 1}, "classes": 2,
  "layers": [
    {"name": "conv", "type": "convolution", "outputs": 2, "kernel": 1, "lr_mult": 2, "bias_lr_mult": 0.5},
    {"name": "bn", "type": "batch_norm", "bias_lr_mult": 3},
    {"name": "gap", "type": "global_avg_pool"}
  ]})";

std::vector<float> run_sgd(bool nesterov, std::vector<float>* velocity) {
  nin::Network net(spec_from(kSgdNet), 1);
  const auto params = net.parameters();
  BOOST_TEST_REQUIRE(params.size() == 4u);
  BOOST_TEST(params[0].parameter->weight_decay);
  BOOST_TEST(!params[1].parameter->weight_decay);
  BOOST_TEST(!params[2].parameter->weight_decay);
  BOOST_TEST(!params[3].parameter->weight_decay);
  // Flat order: conv weight[2], conv bias[2], bn scale[2], bn shift[2].
  const std::vector<float> start = {1.0f, -2.0f, 0.5f, 0.0f, 1.0f, 2.0f, 0.0f, 0.5f};
  const std::vector<float> grad = {0.5f, 0.25f, -1.0f, 0.4f, 0.2f, 0.0f, 0.1f, -0.2f};
  auto values = net.parameter_values();
  auto grads = net.parameter_gradients();
  BOOST_TEST_REQUIRE(values.size() == start.size());
  std::copy(start.begin(), start.end(), values.begin());
  std::copy(grad.begin(), grad.end(), grads.begin());
  nin::Sgd sgd(net, {0.9, 0.1, nesterov});
  sgd.step(0.1);
  sgd.step(0.1);  // the same gradients again
  velocity->assign(sgd.velocity().data(), sgd.velocity().data() + sgd.velocity().size());
  return {values.begin(), values.end()};
}

BOOST_AUTO_TEST_CASE(sgd_update_matches_hand_computation) {
  std::vector<float> velocity;
  // Nesterov. weight[0]: g = 0.5 + 0.1·1 = 0.6, v = 0.6, w = 1 − 0.2·(0.6 + 0.54) = 0.772;
  //   g = 0.5 + 0.0772 = 0.5772, v = 0.54 + 0.5772 = 1.1172, w = 0.772 − 0.2·(0.5772 + 1.00548)
  //   = 0.455464.
  // weight[1]: g = 0.25 − 0.2 = 0.05, v = 0.05, w = −2 − 0.2·0.095 = −2.019;
  //   g = 0.25 − 0.2019 = 0.0481, v = 0.0931, w = −2.019 − 0.2·0.13189 = −2.045378.
  // bias (lr 0.05, no decay): 0.5 → 0.5 + 0.05·1.9 = 0.595 → 0.595 + 0.05·2.71 = 0.7305;
  //   0 → −0.05·0.76 = −0.038 → −0.038 − 0.05·1.084 = −0.0922.
  // scale (lr 0.1, no decay): 1 → 1 − 0.1·0.38 = 0.962 → 0.962 − 0.1·0.542 = 0.9078; 2 stays 2.
  // shift (lr 0.3): 0 → −0.3·0.19 = −0.057 → −0.057 − 0.3·0.271 = −0.1383;
  //   0.5 → 0.5 + 0.3·0.38 = 0.614 → 0.614 + 0.3·0.542 = 0.7766.
  const std::vector<double> nesterov = {0.455464, -2.045378, 0.7305,  -0.0922,
                                        0.9078,   2.0,       -0.1383, 0.7766};
  const std::vector<double> nesterov_velocity = {1.1172, 0.0931, -1.9, 0.76,
                                                 0.38,   0.0,    0.19, -0.38};
  const auto got = run_sgd(true, &velocity);
  const auto values = compare(got, nesterov, 1e-5, 1e-6);
  BOOST_TEST(values.ok(), "values" << values.report);
  const auto v = compare(velocity, nesterov_velocity, 1e-5, 1e-6);
  BOOST_TEST(v.ok(), "velocity" << v.report);

  // Classic momentum. weight[0]: v = 0.6, w = 1 − 0.2·0.6 = 0.88; g = 0.5 + 0.088 = 0.588,
  //   v = 0.54 + 0.588 = 1.128, w = 0.88 − 0.2·1.128 = 0.6544.
  // bias[0]: v = −1, b = 0.5 + 0.05 = 0.55; v = −1.9, b = 0.55 + 0.095 = 0.645.
  // shift[1]: v = −0.2, s = 0.5 + 0.06 = 0.56; v = −0.38, s = 0.56 + 0.114 = 0.674.
  const auto classic = run_sgd(false, &velocity);
  BOOST_TEST(classic[0] == 0.6544, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(classic[2] == 0.645, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(classic[7] == 0.674, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(classic[5] == 2.0f);
  BOOST_TEST(velocity[0] == 1.128, boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(eval_is_deterministic_and_dropout_is_the_identity) {
  // The training network and the same network without its dropout layer.
  const nin::NetworkSpec with_dropout = spec_from(kTrainNet);
  nin::NetworkSpec without = with_dropout;
  std::erase_if(without.layers, [](const nin::LayerSpec& l) { return l.type == "dropout"; });
  nin::infer_shapes(without);
  BOOST_TEST_REQUIRE(without.layers.size() + 1 == with_dropout.layers.size());

  const std::int64_t n = 33;
  nin::Network a(with_dropout, n), b(without, n);
  a.initialize(5);
  nin::Sgd sgd(a, {0.9, 0.0, false});
  for (std::uint64_t step = 0; step < 3; ++step) {  // non-trivial running statistics
    const auto x = images(with_dropout.input, n, 400 + step);
    const auto y = labels(n, 4, 500 + step);
    a.forward(x.data(), n, Phase::train);
    a.backward(y.data());
    sgd.step(0.05);
  }
  const auto va = a.parameter_values();
  auto vb = b.parameter_values();
  BOOST_TEST_REQUIRE(va.size() == vb.size());
  std::copy(va.begin(), va.end(), vb.begin());
  const auto sa = a.state(), sb = b.state();
  BOOST_TEST_REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i)
    std::copy_n(sa[i].state->value, sa[i].state->dims.at(0), sb[i].state->value);

  const auto x = images(with_dropout.input, n, 600);
  std::vector<float> first(static_cast<std::size_t>(4 * n)), second(first.size()),
      plain(first.size());
  a.forward(x.data(), n, Phase::eval);
  a.copy_logits(first.data());
  a.forward(x.data(), n, Phase::eval);
  a.copy_logits(second.data());
  b.forward(x.data(), n, Phase::eval);
  b.copy_logits(plain.data());
  BOOST_TEST(same_bits(first, second), "two eval passes differ");
  BOOST_TEST(same_bits(first, plain), "dropout is not the identity in eval");

  // A train pass in between does draw a dropout mask, and does not disturb eval afterwards apart
  // from the running statistics it updates; eval twice after it still agrees with itself.
  a.forward(x.data(), n, Phase::train);
  std::vector<float> third(first.size()), fourth(first.size());
  a.forward(x.data(), n, Phase::eval);
  a.copy_logits(third.data());
  a.forward(x.data(), n, Phase::eval);
  a.copy_logits(fourth.data());
  BOOST_TEST(same_bits(third, fourth));
}

// The class maps are the input of the global pooling: each map's mean is its class's logit, and an
// inference network (two reused buffers, batch norm folded, ReLUs fused) gives the maps of a
// training network (a buffer per step) in the eval phase.
BOOST_AUTO_TEST_CASE(class_maps_are_the_input_of_global_pooling) {
  const nin::NetworkSpec spec = spec_from(kTrainNet);
  const std::int64_t n = 3;
  nin::Network training(spec, n);
  training.initialize(5);
  for (auto& s : training.state())
    for (std::int64_t i = 0; i < s.state->size(); ++i)
      s.state->value[i] = s.state->name == "running_mean" ? 0.1f * static_cast<float>(i) : 1.5f;
  nin::Network inference(spec, n, nin::NetworkUse::inference);
  inference.copy_parameters_from(training);
  const std::vector<float> x = images(spec.input, n, 9);
  training.forward(x.data(), n, Phase::eval);
  inference.forward(x.data(), n, Phase::eval);
  BOOST_TEST(inference.has_class_maps());
  const nin::ConstActivations a = inference.class_maps(), b = training.class_maps();
  BOOST_TEST(a.channels == spec.classes);
  BOOST_TEST(a.batch == n);
  BOOST_TEST(a.height == 4);  // 8 → 4 by the 3×3 pooling of stride 2 in ceil mode
  BOOST_TEST(a.width == 4);
  BOOST_TEST(b.size() == a.size());
  const auto same = compare(to_double(a.data, a.size()), to_double(b.data, b.size()), 1e-4, 1e-5);
  BOOST_TEST(same.ok(), "inference and training maps differ:" << same.report);
  const nin::ConstActivations logits = inference.logits();
  for (std::int64_t k = 0; k < a.channels; ++k)
    for (std::int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (std::int64_t j = 0; j < a.plane(); ++j) sum += a.plane_of(k, i)[j];
      BOOST_TEST(sum / static_cast<double>(a.plane()) == logits.data[k * n + i],
                 boost::test_tools::tolerance(1e-5));
    }
}

// An inference pass of one image spreads each convolution over the threads (column and output-
// channel ranges of the GEMM; Winograd's input channels, 36 GEMMs and output channels) instead of
// running it as one block. The logits
// must be the same bits for any thread count, and those of the image inside a batch up to
// rounding (BLAS kernels may round a column differently for another matrix width). nin-cifar10
// has all three kinds: im2col (conv1, 3 channels), pointwise and Winograd (5×5 and 3×3) layers.
BOOST_AUTO_TEST_CASE(one_image_alone_is_spread_over_the_threads) {
  const nin::NetworkSpec spec = nin::load_network(
      "nin-cifar10", nin::PresetCatalog({std::filesystem::path(NIN_TEST_MODELS_DIR)}));
  const std::int64_t n = 3;
  const std::vector<float> x = images(spec.input, n, 11);
  std::vector<float> batched(static_cast<std::size_t>(n * spec.classes));
  {
    nin::Network net(spec, n, nin::NetworkUse::inference);
    net.initialize(3);
    net.forward(x.data(), n, Phase::eval);
    net.copy_logits(batched.data());
  }
  // The ReLU before the global pooling must leave something to compare.
  BOOST_TEST_REQUIRE(std::count_if(batched.begin(), batched.end(), [](float v) { return v > 0; }) >
                     n * spec.classes / 2);
  std::vector<std::vector<float>> alone;
  for (const int threads : {1, 2}) {
    const nin::ThreadLimit limit(threads);
    nin::Network single(spec, 1, nin::NetworkUse::inference);
    single.initialize(3);
    std::vector<float> logits(static_cast<std::size_t>(n * spec.classes));
    for (std::int64_t i = 0; i < n; ++i) {
      single.forward(x.data() + i * spec.input.elements(), 1, Phase::eval);
      single.copy_logits(logits.data() + i * spec.classes);
    }
    alone.push_back(logits);
  }
  BOOST_TEST(alone[0] == alone[1], boost::test_tools::per_element());
  const auto same = compare(to_double(alone[0].data(), alone[0].size()),
                            to_double(batched.data(), batched.size()), 1e-4, 1e-5);
  BOOST_TEST(same.ok(), "one image alone and in a batch differ:" << same.report);
}

// Backward writes the activations' gradients over activations it no longer needs, so the logits
// and class maps are refused after it, and the next forward is not disturbed by it.
BOOST_AUTO_TEST_CASE(backward_writes_over_the_activations_until_the_next_forward) {
  const nin::NetworkSpec spec = spec_from(kTrainNet);
  const std::int64_t n = 5;
  nin::Network net(spec, n);
  net.initialize(8);
  const std::vector<float> x = images(spec.input, n, 12);
  const std::vector<std::int32_t> y = labels(n, 4, 13);
  std::vector<float> after(static_cast<std::size_t>(n * spec.classes)), expected(after.size());
  net.forward(x.data(), n, Phase::train);
  net.backward(y.data());
  const std::string overwritten = "the backward pass has written over the activations";
  nin::test::check_throws<nin::Error>([&] { net.logits(); }, {"logits: ", overwritten});
  nin::test::check_throws<nin::Error>([&] { net.evaluate(y.data()); }, {overwritten});
  nin::test::check_throws<nin::Error>([&] { net.class_maps(); }, {"class maps: ", overwritten});
  net.forward(x.data(), n, Phase::eval);
  // An evaluation pass leaves no dropout masks or batch statistics for a backward pass.
  nin::test::check_throws<nin::Error>([&] { net.backward(y.data()); },
                                      {"backward: ", "not a training pass"});
  net.copy_logits(after.data());
  // Batch normalisation's running statistics moved with the train pass; nothing else did.
  nin::Network fresh(spec, n);
  fresh.copy_parameters_from(net);
  fresh.forward(x.data(), n, Phase::eval);
  fresh.copy_logits(expected.data());
  BOOST_TEST(after == expected, boost::test_tools::per_element());
}

// The gradients' places in the arena depend on the network's maximum batch; the gradients must not.
BOOST_AUTO_TEST_CASE(gradients_do_not_depend_on_the_maximum_batch) {
  const nin::NetworkSpec spec = spec_from(kTrainNet);
  const std::int64_t n = 6;
  const std::vector<float> x = images(spec.input, n, 14);
  const std::vector<std::int32_t> y = labels(n, 4, 15);
  std::vector<std::vector<float>> gradients;
  for (const std::int64_t max_batch : {n, 3 * n + 1}) {
    nin::Network net(spec, max_batch);
    net.initialize(9);
    net.forward(x.data(), n, Phase::train);
    net.backward(y.data());
    const auto g = net.parameter_gradients();
    gradients.emplace_back(g.begin(), g.end());
  }
  BOOST_TEST(std::any_of(gradients[0].begin(), gradients[0].end(), [](float g) { return g != 0; }));
  BOOST_TEST(gradients[0] == gradients[1], boost::test_tools::per_element());
}

// A training pass of nin-cifar10 fits in little more than its activations: the gradients take the
// place of activations no longer needed (two separate buffers of the largest output would add
// 59% here).
BOOST_AUTO_TEST_CASE(a_training_pass_takes_little_more_than_its_activations) {
  const nin::NetworkSpec spec = nin::load_network(
      "nin-cifar10", nin::PresetCatalog({std::filesystem::path(NIN_TEST_MODELS_DIR)}));
  const std::int64_t n = 16;
  std::int64_t activations = spec.input.elements();
  for (const auto& layer : spec.layers)
    if (layer.type != "relu" && layer.type != "dropout") activations += layer.output.elements();
  activations *= n;
  const nin::Network net(spec, n);
  BOOST_TEST(net.arena_floats() >= activations);
  BOOST_TEST(net.arena_floats() <= activations * 115 / 100);
}

BOOST_AUTO_TEST_CASE(class_maps_are_refused_without_global_pooling_or_before_a_forward) {
  // A 1×1 convolution on 1×1 images gives one score per class without any pooling.
  const nin::NetworkSpec no_pooling = spec_from(R"({
    "input": {"channels": 2, "height": 1, "width": 1}, "classes": 3,
    "layers": [{"name": "score", "type": "convolution", "outputs": 3, "kernel": 1}]})");
  nin::Network net(no_pooling, 2, nin::NetworkUse::inference);
  BOOST_TEST(!net.has_class_maps());
  nin::test::check_throws<nin::Error>([&] { net.class_maps(); },
                                      {"has no global average pooling layer, so no class maps"});
  // A step after the pooling writes where the pooling read, in an inference network only.
  const nin::NetworkSpec scored_after_pooling = spec_from(R"({
    "input": {"channels": 2, "height": 3, "width": 3}, "classes": 3,
    "layers": [{"name": "conv", "type": "convolution", "outputs": 3, "kernel": 1},
               {"name": "gap", "type": "global_avg_pool"},
               {"name": "score", "type": "convolution", "outputs": 3, "kernel": 1}]})");
  nin::Network overwritten(scored_after_pooling, 2, nin::NetworkUse::inference);
  BOOST_TEST(!overwritten.has_class_maps());
  nin::test::check_throws<nin::Error>(
      [&] { overwritten.class_maps(); },
      {"the input of global average pooling 'gap' is overwritten by layer 'score' in an inference "
       "pass, so no class maps"});
  BOOST_TEST(nin::Network(scored_after_pooling, 2).has_class_maps());
  nin::Network fresh(spec_from(kTinyNet), 2, nin::NetworkUse::inference);
  BOOST_TEST(fresh.has_class_maps());
  nin::test::check_throws<nin::Error>([&] { fresh.class_maps(); }, {"no forward pass"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
