// Every layer against the naive reference (reference_layers.hpp) and against central finite
// differences of the scalar loss L = Σ out · r (r fixed random weights, so dL/dout = r).
//
// Forward results are compared exactly where the inputs make float arithmetic exact (small integer
// inputs and weights, half-integer biases: every product and partial sum is representable), and
// with a tight tolerance otherwise. Integer data with half-integer biases also keep every ReLU
// input at least 0.5 away from the kink, so finite differences never straddle it.
// Gradient checks use a relative tolerance of 1e-2 plus an absolute floor of 1e-3 of the
// gradient's largest entry, and each one is paired with a negative control (the analytic gradient
// scaled by 1.05 must fail the same check) so a check that cannot fail would be noticed.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/layers/batch_norm.hpp"
#include "nin/layers/convolution.hpp"
#include "nin/layers/elementwise.hpp"
#include "nin/layers/fully_connected.hpp"
#include "nin/layers/pooling.hpp"
#include "nin/layers/softmax_loss.hpp"
#include "nin/spec/layer_cost.hpp"
#include "nin/spec/network_spec.hpp"
#include "reference_layers.hpp"
#include "test_support.hpp"

namespace {

namespace bdata = boost::unit_test::data;
namespace ref = nin::reference;
namespace tt = boost::test_tools;
using nin::Phase;
using nin::Shape;
using nin::test::compare;
using nin::test::random_ints;
using nin::test::random_reals;
using nin::test::to_double;
using nin::test::to_float;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- Specs: shapes come from the real parser and shape inference.

std::string shape_json(const Shape& s) {
  return R"({"channels": )" + std::to_string(s.channels) + R"(, "height": )" +
         std::to_string(s.height) + R"(, "width": )" + std::to_string(s.width) + "}";
}

nin::NetworkSpec make_spec(const Shape& input, std::int64_t classes, const std::string& layers) {
  return nin::parse_network_spec(R"({"input": )" + shape_json(input) + R"(, "classes": )" +
                                     std::to_string(classes) + R"(, "layers": [)" + layers + "]}",
                                 "layers_test");
}

// The spec of `layer` (one JSON object) as the first layer on `input`; a 1×1 convolution and
// global pooling complete the network so that it is valid.
nin::LayerSpec first_layer(const Shape& input, const std::string& layer) {
  return make_spec(input, 2,
                   layer + R"(, {"name": "tail", "type": "convolution", "outputs": 2, "kernel": 1},
                              {"name": "gap", "type": "global_avg_pool"})")
      .layers[0];
}

// ---- Buffers and parameters

ref::Dims dims_of(const Shape& s, std::int64_t batch) {
  return {s.channels, batch, s.height, s.width};
}

struct Buffer {
  ref::Dims dims;
  std::vector<float> data;
  explicit Buffer(ref::Dims d, float fill = kNaN)
      : dims(d), data(static_cast<std::size_t>(d.size()), fill) {}
  Buffer(ref::Dims d, std::vector<float> values) : dims(d), data(std::move(values)) {}
  nin::Activations view() {
    return {data.data(), dims.channels, dims.batch, dims.height, dims.width};
  }
  ref::Tensor4 tensor() const {
    ref::Tensor4 t(dims);
    t.values = to_double(data);
    return t;
  }
};

// Storage for a layer's parameters, which the Network would otherwise bind. Gradients start as NaN
// so a backward that does not overwrite them is caught.
struct Bound {
  std::vector<std::vector<float>> values, grads;
};
Bound bind(nin::Layer& layer) {
  Bound b;
  for (auto& p : layer.parameters()) {
    b.values.emplace_back(static_cast<std::size_t>(p.size()), 0.0f);
    b.grads.emplace_back(static_cast<std::size_t>(p.size()), kNaN);
  }
  for (std::size_t i = 0; i < b.values.size(); ++i) {
    layer.parameters()[i].value = b.values[i].data();
    layer.parameters()[i].grad = b.grads[i].data();
  }
  return b;
}

// Copies into a bound buffer in place (assigning the vector could move its storage away from the
// pointer the layer holds).
void set(std::vector<float>& bound, const std::vector<float>& values) {
  BOOST_TEST_REQUIRE(bound.size() == values.size());
  std::copy(values.begin(), values.end(), bound.begin());
}

// ---- Gradient checks

// Compares an analytic gradient with central differences of loss() for a sample of entries.
void check_gradient(const std::string& what, float* values, std::int64_t count,
                    const std::vector<float>& analytic, float eps,
                    const std::function<double()>& loss, std::int64_t limit = 40,
                    double rtol = 1e-2) {
  const auto indices = nin::test::sample_indices(count, limit, 99);
  const std::vector<double> numeric = nin::test::numeric_gradient(values, indices, eps, loss);
  const std::vector<double> picked = nin::test::pick(analytic, indices);
  const double scale = std::max(nin::test::max_abs(numeric), nin::test::max_abs(picked));
  const double atol = 1e-3 * scale;
  const auto result = compare(picked, numeric, rtol, atol);
  BOOST_TEST(result.ok(), what << ": " << result.failed << " of " << result.checked
                               << " entries differ from finite differences" << result.report);
  BOOST_TEST(scale > 0.0, what << ": the gradient is zero, the check proves nothing");
  // Negative control: the same check must reject a gradient that is 5% off.
  std::vector<double> wrong = picked;
  for (auto& g : wrong) g *= 1.05;
  BOOST_TEST(!compare(wrong, numeric, rtol, atol).ok(), what << ": the check cannot fail");
}

// =================================================================================================
// Fully connected

struct FullyConnectedCase {
  std::string name;
  Shape input;
  std::int64_t outputs;
  bool bias, relu;
  std::int64_t batch;
};
std::ostream& operator<<(std::ostream& out, const FullyConnectedCase& c) {
  return out << c.name;
}

// The naive product, in double: y[o][n] = Σ_f W[o][f] · x_n[f] + b[o], with x_n the image read in
// channel, row, column order.
std::vector<double> fully_connected_reference(const ref::Tensor4& x, const std::vector<double>& w,
                                              const std::vector<double>& b, std::int64_t outputs,
                                              bool relu) {
  const ref::Dims d = x.dims;
  const std::int64_t features = d.channels * d.height * d.width;
  std::vector<double> y(static_cast<std::size_t>(outputs * d.batch));
  for (std::int64_t o = 0; o < outputs; ++o)
    for (std::int64_t n = 0; n < d.batch; ++n) {
      double sum = b.empty() ? 0.0 : b[static_cast<std::size_t>(o)];
      for (std::int64_t c = 0; c < d.channels; ++c)
        for (std::int64_t h = 0; h < d.height; ++h)
          for (std::int64_t v = 0; v < d.width; ++v)
            sum += w[static_cast<std::size_t>(o * features + (c * d.height + h) * d.width + v)] *
                   x.values[static_cast<std::size_t>(d.index(c, n, h, v))];
      y[static_cast<std::size_t>(o * d.batch + n)] = relu && sum < 0.0 ? 0.0 : sum;
    }
  return y;
}

nin::LayerSpec fully_connected_spec(const Shape& input, std::int64_t outputs, bool bias) {
  return make_spec(input, outputs,
                   R"({"name": "fc", "type": "fully_connected", "outputs": )" +
                       std::to_string(outputs) + R"(, "bias": )" + (bias ? "true" : "false") + "}")
      .layers[0];
}

// =================================================================================================
// Convolution

struct ConvCase {
  std::string name;
  Shape input;
  std::string layer;  // JSON
  Shape expected_output;
  std::int64_t max_batch, batch;
  bool relu;
  bool several_blocks;
};
std::ostream& operator<<(std::ostream& out, const ConvCase& c) {
  return out << c.name;
}

std::string conv_json(std::int64_t outputs, const std::string& rest) {
  return R"({"name": "conv", "type": "convolution", "outputs": )" + std::to_string(outputs) + ", " +
         rest + "}";
}

std::vector<ConvCase> conv_cases() {
  return {
      {"3x3_pad1",
       {3, 6, 6},
       conv_json(4, R"("kernel": 3, "pad": 1)"),
       {4, 6, 6},
       3,
       3,
       false,
       false},
      {"3x3_stride2_pad1_relu",
       {2, 7, 7},
       conv_json(5, R"("kernel": 3, "stride": 2, "pad": 1)"),
       {5, 4, 4},
       2,
       2,
       true,
       false},
      {"nonsquare_input_kernel_stride_pad",
       {2, 5, 7},
       conv_json(3, R"("kernel": [2, 3], "stride": [2, 1], "pad": [1, 0])"),
       {3, 3, 5},
       3,
       3,
       false,
       false},
      {"5x5_pad2_stride_1x2_no_bias",
       {3, 9, 10},
       conv_json(4, R"("kernel": 5, "pad": 2, "stride": [1, 2], "bias": false)"),
       {4, 9, 5},
       2,
       2,
       false,
       false},
      {"kernel_covers_padded_input",
       {2, 3, 3},
       conv_json(2, R"("kernel": 5, "pad": 1)"),
       {2, 1, 1},
       3,
       3,
       true,
       false},
      {"1x1_stride2_is_not_pointwise",
       {3, 7, 5},
       conv_json(2, R"("kernel": 1, "stride": 2)"),
       {2, 4, 3},
       2,
       2,
       false,
       false},
      {"pointwise_no_bias",
       {5, 4, 4},
       conv_json(3, R"("kernel": 1, "bias": false)"),
       {3, 4, 4},
       2,
       2,
       false,
       false},
      // 35-pixel planes: 61 images in 16 chunks of 3 or 4 (max batch 64), one block per chunk.
      {"pointwise_nonsquare_several_blocks_relu",
       {4, 5, 7},
       conv_json(6, R"("kernel": 1)"),
       {6, 5, 7},
       64,
       61,
       true,
       true},
      // 1024-pixel planes: one image per block, 18 images in 16 chunks (two chunks of two).
      {"pointwise_more_images_than_chunks",
       {2, 32, 32},
       conv_json(3, R"("kernel": 1)"),
       {3, 32, 32},
       18,
       18,
       false,
       true},
      // 400-pixel planes: 7 images in 7 chunks of one (max batch 9).
      {"3x3_pad1_several_blocks_relu",
       {2, 20, 20},
       conv_json(3, R"("kernel": 3, "pad": 1)"),
       {3, 20, 20},
       9,
       7,
       true,
       true},
      // One image per block, 20 images in 16 chunks: some chunks sum two blocks.
      {"3x3_pad1_more_images_than_chunks",
       {1, 32, 32},
       conv_json(2, R"("kernel": 3, "pad": 1)"),
       {2, 32, 32},
       20,
       20,
       false,
       true},
  };
}

BOOST_AUTO_TEST_SUITE(layers)
BOOST_AUTO_TEST_SUITE(fully_connected)

BOOST_DATA_TEST_CASE(matches_reference_and_finite_differences,
                     bdata::make(std::vector<FullyConnectedCase>{
                         {"planes, bias", {3, 4, 5}, 6, true, false, 7},
                         {"planes, no bias, relu", {3, 4, 5}, 6, false, true, 5},
                         {"vector, 16 chunks", {20, 1, 1}, 4, true, true, 37},
                         {"one image", {2, 3, 3}, 3, true, false, 1},
                     }),
                     c) {
  const nin::LayerSpec spec = fully_connected_spec(c.input, c.outputs, c.bias);
  BOOST_TEST_REQUIRE((spec.output == Shape{c.outputs, 1, 1}));
  nin::FullyConnected fc(spec, c.batch + 3);
  if (c.relu) fc.fuse_relu();
  Bound params = bind(fc);
  BOOST_TEST_REQUIRE(params.values.size() == (c.bias ? 2u : 1u));
  const std::int64_t features = c.input.elements();
  BOOST_TEST(fc.parameters()[0].dims == (std::vector<std::int64_t>{c.outputs, features}),
             tt::per_element());
  std::vector<float>& weight = params.values[0];
  set(weight, random_ints(static_cast<std::int64_t>(weight.size()), 11, -2, 2));
  if (c.bias) set(params.values[1], random_ints(c.outputs, 12, -3, 3));

  const ref::Dims in_dims = dims_of(c.input, c.batch), out_dims{c.outputs, c.batch, 1, 1};
  Buffer in(in_dims, random_ints(in_dims.size(), 13, -3, 3));
  Buffer out(out_dims);
  fc.forward(in.view(), out.view(), Phase::train);
  const std::vector<double> bias = c.bias ? to_double(params.values[1]) : std::vector<double>{};
  const std::vector<double> expected =
      fully_connected_reference(in.tensor(), to_double(weight), bias, c.outputs, c.relu);
  BOOST_TEST(out.data == to_float(expected), tt::per_element());
  // Evaluation computes the same (one GEMM for the batch instead of one per chunk).
  Buffer eval_out(out_dims);
  fc.forward(in.view(), eval_out.view(), Phase::eval);
  BOOST_TEST(eval_out.data == out.data, tt::per_element());
  fc.forward(in.view(), out.view(), Phase::train);

  // Backward with integer output gradients against the naive sums: exact.
  const std::vector<float> dy = random_ints(out_dims.size(), 14, -3, 3);
  Buffer out_grad(out_dims, dy), in_grad(in_dims);
  fc.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  std::vector<double> g(dy.begin(), dy.end());
  for (std::size_t i = 0; i < g.size(); ++i)
    if (c.relu && !(expected[i] > 0.0)) g[i] = 0.0;
  std::vector<double> d_weight(weight.size(), 0.0), d_bias(static_cast<std::size_t>(c.outputs));
  ref::Tensor4 d_in(in_dims);
  const ref::Tensor4 x = in.tensor();
  for (std::int64_t o = 0; o < c.outputs; ++o)
    for (std::int64_t n = 0; n < c.batch; ++n) {
      const double go = g[static_cast<std::size_t>(o * c.batch + n)];
      d_bias[static_cast<std::size_t>(o)] += go;
      for (std::int64_t ch = 0; ch < c.input.channels; ++ch)
        for (std::int64_t h = 0; h < c.input.height; ++h)
          for (std::int64_t v = 0; v < c.input.width; ++v) {
            const auto f = static_cast<std::size_t>(o * features +
                                                    (ch * c.input.height + h) * c.input.width + v);
            const auto at = static_cast<std::size_t>(in_dims.index(ch, n, h, v));
            d_weight[f] += go * x.values[at];
            d_in.values[at] += go * weight[f];
          }
    }
  BOOST_TEST(in_grad.data == to_float(d_in.values), tt::per_element());
  BOOST_TEST(params.grads[0] == to_float(d_weight), tt::per_element());
  if (c.bias) BOOST_TEST(params.grads[1] == to_float(d_bias), tt::per_element());

  // Finite differences of L = Σ out · r on real values, without the fused ReLU (its mask is
  // checked exactly above; its kinks would make central differences wrong near zero).
  nin::FullyConnected linear(spec, c.batch);
  Bound lp = bind(linear);
  set(lp.values[0], random_reals(static_cast<std::int64_t>(weight.size()), 16, -1.0f, 1.0f));
  if (c.bias) set(lp.values[1], random_reals(c.outputs, 18, -1.0f, 1.0f));
  const std::vector<float> r = random_reals(out_dims.size(), 15, -1.0f, 1.0f);
  in.data = random_reals(in_dims.size(), 17, -1.0f, 1.0f);
  linear.forward(in.view(), out.view(), Phase::train);
  out_grad.data = r;
  linear.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  const std::vector<float> analytic_in = in_grad.data;
  const std::vector<std::vector<float>> analytic_params = lp.grads;
  const auto loss = [&] {
    linear.forward(in.view(), out.view(), Phase::train);
    return nin::test::weighted_sum(out.data.data(), r);
  };
  check_gradient("input", in.data.data(), in_dims.size(), analytic_in, 1e-2f, loss);
  check_gradient("weight", lp.values[0].data(), static_cast<std::int64_t>(weight.size()),
                 analytic_params[0], 1e-2f, loss);
  if (c.bias)
    check_gradient("bias", lp.values[1].data(), c.outputs, analytic_params[1], 1e-2f, loss);
}

BOOST_AUTO_TEST_CASE(refuses_planes_after_it_and_sets_the_class_count) {
  nin::test::check_throws<nin::SpecError>(
      [] {
        make_spec({2, 4, 4}, 3,
                  R"({"name": "fc", "type": "fully_connected", "outputs": 12},
                     {"name": "conv", "type": "convolution", "outputs": 3, "kernel": 1},
                     {"name": "gap", "type": "global_avg_pool"})");
      },
      {"layer 'conv' (convolution): needs image planes, but 'fc' made them one vector per image"});
  const nin::NetworkSpec spec =
      make_spec({2, 4, 4}, 3,
                R"({"name": "fc1", "type": "fully_connected", "outputs": 8},
                                             {"name": "relu", "type": "relu"},
                                             {"name": "fc2", "type": "fully_connected", "outputs": 3})");
  const nin::NetworkSpec five = nin::with_classes(spec, 5);
  BOOST_TEST(five.layers.back().outputs == 5);
  BOOST_TEST(five.layers.front().outputs == 8);
  BOOST_TEST(nin::layer_cost(spec.layers[0]).parameters == (32 + 1) * 8);
  BOOST_TEST(nin::layer_cost(spec.layers[0]).macs == 32 * 8);
  // The spec writes back as it reads.
  const nin::NetworkSpec again = nin::parse_network_spec(nin::to_json_text(spec), "again");
  BOOST_TEST(nin::to_json_text(again) == nin::to_json_text(spec));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(convolution)

BOOST_DATA_TEST_CASE(matches_reference_and_finite_differences, bdata::make(conv_cases()), c) {
  const nin::LayerSpec spec = first_layer(c.input, c.layer);
  BOOST_TEST_REQUIRE(spec.output.channels == c.expected_output.channels);
  BOOST_TEST_REQUIRE(spec.output.height == c.expected_output.height);
  BOOST_TEST_REQUIRE(spec.output.width == c.expected_output.width);
  BOOST_TEST_REQUIRE(spec.window.is_pointwise() == (c.name.rfind("pointwise", 0) == 0));

  nin::Convolution conv(spec, c.max_batch);
  if (c.relu) conv.fuse_relu();
  if (c.several_blocks) BOOST_TEST_REQUIRE(conv.images_per_block() < c.batch);
  Bound params = bind(conv);
  BOOST_TEST_REQUIRE(params.values.size() == (spec.bias ? 2u : 1u));
  std::vector<float>& weight = params.values[0];
  set(weight, random_ints(static_cast<std::int64_t>(weight.size()), 1, -2, 2));
  if (spec.bias)
    for (std::size_t o = 0; o < params.values[1].size(); ++o)
      params.values[1][o] = static_cast<float>(nin::test::random_int(2, o, -2, 2)) + 0.5f;

  const ref::Dims in_dims = dims_of(c.input, c.batch), out_dims = dims_of(spec.output, c.batch);
  Buffer in(in_dims, random_ints(in_dims.size(), 3, -3, 3));
  Buffer out(out_dims);
  conv.forward(in.view(), out.view(), Phase::train);

  const std::vector<double> bias = spec.bias ? to_double(params.values[1]) : std::vector<double>{};
  const ref::Tensor4 expected = ref::convolution_forward(in.tensor(), to_double(weight), bias,
                                                         spec.outputs, spec.window, c.relu);
  BOOST_TEST_REQUIRE(expected.dims == out_dims);
  BOOST_TEST(out.data == to_float(expected.values), tt::per_element());

  // Backward with integer output gradients: exact too.
  const std::vector<float> dy = random_ints(out_dims.size(), 4, -3, 3);
  Buffer out_grad(out_dims, dy), in_grad(in_dims);
  conv.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  const ref::ConvolutionGradients g =
      ref::convolution_backward(in.tensor(), to_double(weight), spec.bias, spec.outputs,
                                spec.window, c.relu, expected, Buffer(out_dims, dy).tensor());
  BOOST_TEST(in_grad.data == to_float(g.input.values), tt::per_element());
  BOOST_TEST(params.grads[0] == to_float(g.weight), tt::per_element());
  if (spec.bias) BOOST_TEST(params.grads[1] == to_float(g.bias), tt::per_element());

  // Without an input gradient (the first layer of a network) the parameter gradients are the same.
  const std::vector<float> weight_grad = params.grads[0];
  std::fill(params.grads[0].begin(), params.grads[0].end(), kNaN);
  out_grad.data = dy;
  conv.backward(in.view(), out.view(), out_grad.view(), nin::Activations{});
  BOOST_TEST(params.grads[0] == weight_grad, tt::per_element());

  // Finite differences of L = Σ out · r.
  const std::vector<float> r = random_reals(out_dims.size(), 5, -1.0f, 1.0f);
  out_grad.data = r;
  conv.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  const std::vector<float> analytic_in = in_grad.data;
  const std::vector<std::vector<float>> analytic_params = params.grads;
  const auto loss = [&] {
    conv.forward(in.view(), out.view(), Phase::train);
    return nin::test::weighted_sum(out.data.data(), r);
  };
  check_gradient("input", in.data.data(), in_dims.size(), analytic_in, 1e-2f, loss);
  check_gradient("weight", weight.data(), static_cast<std::int64_t>(weight.size()),
                 analytic_params[0], 1e-2f, loss);
  if (spec.bias)
    check_gradient("bias", params.values[1].data(), spec.outputs, analytic_params[1], 1e-2f, loss);
}

// An image run alone gives the same outputs (to rounding) as the same image in the last, partial
// block of a 37-image batch: blocks only change how the work is split.
BOOST_AUTO_TEST_CASE(results_do_not_depend_on_batch_split) {
  const Shape input{3, 10, 10};
  const nin::LayerSpec spec = first_layer(input, conv_json(4, R"("kernel": 3, "pad": 1)"));
  nin::Convolution conv(spec, 40);
  // The case needs several images per block and a partial last block.
  BOOST_TEST_REQUIRE(conv.images_per_block() > 1);
  BOOST_TEST_REQUIRE(37 % conv.images_per_block() != 0);
  Bound params = bind(conv);
  set(params.values[0], random_reals(static_cast<std::int64_t>(params.values[0].size()), 6, -1, 1));
  set(params.values[1], random_reals(4, 7, -1, 1));
  const ref::Dims full{3, 37, 10, 10};
  Buffer in(full, random_reals(full.size(), 8, -1, 1));
  Buffer out(dims_of(spec.output, 37));
  conv.forward(in.view(), out.view(), Phase::train);
  // Image 36 alone (last, partial block) gives the same values as in the batch of 37.
  const std::int64_t plane_in = 100, plane_out = 100;
  Buffer single_in({3, 1, 10, 10}), single_out({4, 1, 10, 10});
  for (std::int64_t ch = 0; ch < 3; ++ch)
    std::copy_n(in.data.begin() + (ch * 37 + 36) * plane_in, plane_in,
                single_in.data.begin() + ch * plane_in);
  conv.forward(single_in.view(), single_out.view(), Phase::train);
  std::vector<float> from_batch;
  for (std::int64_t ch = 0; ch < 4; ++ch)
    from_batch.insert(from_batch.end(), out.data.begin() + (ch * 37 + 36) * plane_out,
                      out.data.begin() + (ch * 37 + 37) * plane_out);
  const auto result = compare(single_out.data, from_batch, 1e-6, 1e-6);
  BOOST_TEST(result.ok(), result.report);
}

// A layer built for inference keeps none of backward's buffers: its backward refuses to run.
BOOST_AUTO_TEST_CASE(a_layer_built_for_inference_refuses_backward) {
  const nin::LayerSpec spec = first_layer(Shape{2, 5, 5}, conv_json(3, R"("kernel": 3)"));
  nin::Convolution conv(spec, 4, false);
  Bound params = bind(conv);
  Buffer in({2, 4, 5, 5}), out(dims_of(spec.output, 4)), out_grad(dims_of(spec.output, 4));
  Buffer in_grad({2, 4, 5, 5});
  conv.forward(in.view(), out.view(), Phase::eval);
  nin::test::check_throws<nin::Error>(
      [&] { conv.backward(in.view(), out.view(), out_grad.view(), in_grad.view()); },
      {"layer '", "' was built for inference and has no backward pass"});
}

BOOST_AUTO_TEST_SUITE_END()

// =================================================================================================
// Pooling

struct PoolCase {
  std::string name;
  ref::Pool kind;
  Shape input;
  std::string window;  // JSON fields
  Shape expected_output;
  std::int64_t batch;
};
std::ostream& operator<<(std::ostream& out, const PoolCase& c) {
  return out << c.name;
}

std::vector<PoolCase> pool_cases() {
  using P = ref::Pool;
  return {
      // ceil((6 − 3)/2) + 1 = 3: the last window starts at 4 and is clipped to rows 4..5.
      {"max_6x6_k3_s2", P::max, {2, 6, 6}, R"("kernel": 3, "stride": 2)", {2, 3, 3}, 3},
      {"avg_6x6_k3_s2", P::average, {2, 6, 6}, R"("kernel": 3, "stride": 2)", {2, 3, 3}, 3},
      // ceil((5 + 2 − 3)/2) + 1 = 3: windows start at −1, 1, 3; the first and last are clipped.
      {"max_5x5_k3_s2_pad1",
       P::max,
       {2, 5, 5},
       R"("kernel": 3, "stride": 2, "pad": 1)",
       {2, 3, 3},
       2},
      {"avg_5x5_k3_s2_pad1",
       P::average,
       {2, 5, 5},
       R"("kernel": 3, "stride": 2, "pad": 1)",
       {2, 3, 3},
       2},
      // ceil((4 + 2 − 2)/2) + 1 = 3: windows start at −1, 1, 3 → cells {0}, {1, 2}, {3}.
      {"avg_4x4_k2_s2_pad1",
       P::average,
       {1, 4, 4},
       R"("kernel": 2, "stride": 2, "pad": 1)",
       {1, 3, 3},
       2},
      // Non-square input and kernel: H ceil(3/2)+1 = 3 (last window 1 row), W ceil(4/2)+1 = 3.
      {"max_5x7_k2x3_s2", P::max, {3, 5, 7}, R"("kernel": [2, 3], "stride": 2)", {3, 3, 3}, 2},
      {"avg_5x7_k2x3_s2", P::average, {3, 5, 7}, R"("kernel": [2, 3], "stride": 2)", {3, 3, 3}, 2},
      // Stride larger than the kernel: windows 0..1, 3..4, 6 (clipped).
      {"max_7x7_k2_s3", P::max, {1, 7, 7}, R"("kernel": 2, "stride": 3)", {1, 3, 3}, 2},
      // ceil(4/3) + 1 = 3 would start a window at 6, past the input: 2.
      {"max_5x5_k1_s3_last_window_inside",
       P::max,
       {1, 5, 5},
       R"("kernel": 1, "stride": 3)",
       {1, 2, 2},
       2},
      // Per-axis stride and pad: H ceil((4 + 2 − 3)/1) + 1 = 4, W ceil((6 − 3)/2) + 1 = 3.
      {"avg_4x6_k3_s1x2_pad1x0",
       P::average,
       {2, 4, 6},
       R"("kernel": 3, "stride": [1, 2], "pad": [1, 0])",
       {2, 4, 3},
       3},

      // Floor mode ("ceil_mode": false): floor((in + 2·pad − kernel)/stride) + 1 windows, all
      // inside the padded input. PyTorch's default 3/2 on 28: (28 − 3)/2 + 1 = 13 (ceil mode: 14).
      {"max_28x28_k3_s2_floor",
       P::max,
       {2, 28, 28},
       R"("kernel": 3, "stride": 2, "ceil_mode": false)",
       {2, 13, 13},
       2},
      // The same on 8 (small values keep the float finite differences of an average accurate):
      // (8 − 3)/2 + 1 = 3 windows, the last row and column in none (ceil mode: 4, the last
      // clipped).
      {"avg_8x8_k3_s2_floor",
       P::average,
       {2, 8, 8},
       R"("kernel": 3, "stride": 2, "ceil_mode": false)",
       {2, 3, 3},
       2},
      // (7 − 2)/2 + 1 = 3: the last row and column are left out (ceil mode: 4, the last clipped).
      {"max_7x7_k2_s2_floor",
       P::max,
       {1, 7, 7},
       R"("kernel": 2, "stride": 2, "ceil_mode": false)",
       {1, 3, 3},
       3},
      // Padded: (6 + 2 − 3)/2 + 1 = 3 windows starting at −1, 1, 3, the first clipped to rows 0..1
      // (ceil mode: 4, the last starting at 5 and clipped to one row).
      {"max_6x6_k3_s2_pad1_floor",
       P::max,
       {2, 6, 6},
       R"("kernel": 3, "stride": 2, "pad": 1, "ceil_mode": false)",
       {2, 3, 3},
       2},
      {"avg_6x6_k3_s2_pad1_floor",
       P::average,
       {2, 6, 6},
       R"("kernel": 3, "stride": 2, "pad": 1, "ceil_mode": false)",
       {2, 3, 3},
       2},
      // Padding reached at both ends: (5 + 2 − 3)/1 + 1 = 5 windows, the first and last clipped.
      {"avg_5x5_k3_s1_pad1_floor",
       P::average,
       {1, 5, 5},
       R"("kernel": 3, "stride": 1, "pad": 1, "ceil_mode": false)",
       {1, 5, 5},
       2},
      // Non-square input, kernel, stride and pad: H (10 + 2 − 3)/2 + 1 = 5 (ceil mode: 6),
      // W (13 − 2)/3 + 1 = 4 (ceil mode: 5); the last two columns are in no window.
      {"max_10x13_k3x2_s2x3_pad1x0_floor",
       P::max,
       {3, 10, 13},
       R"("kernel": [3, 2], "stride": [2, 3], "pad": [1, 0], "ceil_mode": false)",
       {3, 5, 4},
       2},
      {"avg_10x13_k3x2_s2x3_pad1x0_floor",
       P::average,
       {3, 10, 13},
       R"("kernel": [3, 2], "stride": [2, 3], "pad": [1, 0], "ceil_mode": false)",
       {3, 5, 4},
       2},
  };
}

std::unique_ptr<nin::Layer> make_pool(const nin::LayerSpec& spec, ref::Pool kind,
                                      std::int64_t max_batch) {
  if (kind == ref::Pool::max) return std::make_unique<nin::MaxPooling>(spec, max_batch);
  return std::make_unique<nin::AveragePooling>(spec);
}

BOOST_AUTO_TEST_SUITE(pooling)

BOOST_DATA_TEST_CASE(matches_reference_and_finite_differences, bdata::make(pool_cases()), c) {
  const std::string type = c.kind == ref::Pool::max ? "max_pool" : "avg_pool";
  const nin::LayerSpec spec =
      first_layer(c.input, R"({"name": "pool", "type": ")" + type + R"(", )" + c.window + "}");
  BOOST_TEST_REQUIRE(spec.output.channels == c.expected_output.channels);
  BOOST_TEST_REQUIRE(spec.output.height == c.expected_output.height);
  BOOST_TEST_REQUIRE(spec.output.width == c.expected_output.width);
  BOOST_TEST(ref::pooling_size(c.input.height, spec.window.kernel_h, spec.window.stride_h,
                               spec.window.pad_h, spec.ceil_mode) == c.expected_output.height);
  BOOST_TEST(ref::pooling_size(c.input.width, spec.window.kernel_w, spec.window.stride_w,
                               spec.window.pad_w, spec.ceil_mode) == c.expected_output.width);

  const auto layer = make_pool(spec, c.kind, c.batch + 1);
  const ref::Dims in_dims = dims_of(c.input, c.batch), out_dims = dims_of(spec.output, c.batch);
  // Distinct values: no ties, so the maximum is unique and stays so under a 0.01 perturbation.
  Buffer in(in_dims, nin::test::random_distinct(in_dims.size(), 21));
  for (auto& v : in.data) v -= static_cast<float>(in_dims.size() / 2);  // negatives too
  Buffer out(out_dims);
  layer->forward(in.view(), out.view(), Phase::train);
  const ref::Tensor4 expected =
      ref::pooling_forward(in.tensor(), spec.window, c.kind, spec.ceil_mode);
  BOOST_TEST_REQUIRE(expected.dims == out_dims);
  // Sums of integers are exact and the one division is correctly rounded in both.
  BOOST_TEST(out.data == to_float(expected.values), tt::per_element());

  const std::vector<float> dy = random_ints(out_dims.size(), 22, -3, 3);
  Buffer out_grad(out_dims, dy), in_grad(in_dims);
  layer->backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  const ref::Tensor4 g =
      ref::pooling_backward(in.tensor(), spec.window, c.kind, Buffer(out_dims, dy).tensor());
  const auto result = compare(in_grad.data, g.values, 1e-6, 1e-6);
  BOOST_TEST(result.ok(), result.report);

  const std::vector<float> r = random_reals(out_dims.size(), 23, -1.0f, 1.0f);
  out_grad.data = r;
  layer->backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  const std::vector<float> analytic = in_grad.data;
  check_gradient(
      "input", in.data.data(), in_dims.size(), analytic, 1e-2f,
      [&] {
        layer->forward(in.view(), out.view(), Phase::train);
        return nin::test::weighted_sum(out.data.data(), r);
      },
      60);
}

// Worked by hand, independent of the reference: 3×3 input 1..9, kernel 2, stride 2 → 2×2 with the
// right column and bottom row clipped to one cell.
BOOST_AUTO_TEST_CASE(clipped_windows_by_hand) {
  const Shape input{1, 3, 3};
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (const std::string type : {"max_pool", "avg_pool"}) {
    BOOST_TEST_CONTEXT(type) {
      const nin::LayerSpec spec = first_layer(
          input, R"({"name": "p", "type": ")" + type + R"(", "kernel": 2, "stride": 2})");
      BOOST_TEST_REQUIRE(spec.output.height == 2);
      BOOST_TEST_REQUIRE(spec.output.width == 2);
      const auto layer =
          make_pool(spec, type == "max_pool" ? ref::Pool::max : ref::Pool::average, 1);
      Buffer in({1, 1, 3, 3}, x), out({1, 1, 2, 2});
      layer->forward(in.view(), out.view(), Phase::train);
      const std::vector<float> expected = type == "max_pool" ? std::vector<float>{5, 6, 8, 9}
                                                             : std::vector<float>{3, 4.5f, 7.5f, 9};
      BOOST_TEST(out.data == expected, tt::per_element());

      Buffer out_grad({1, 1, 2, 2}, {4, 2, 2, 1}), in_grad({1, 1, 3, 3});
      layer->backward(in.view(), out.view(), out_grad.view(), in_grad.view());
      const std::vector<float> expected_grad = type == "max_pool"
                                                   ? std::vector<float>{0, 0, 0, 0, 4, 2, 0, 2, 1}
                                                   : std::vector<float>{1, 1, 1, 1, 1, 1, 1, 1, 1};
      BOOST_TEST(in_grad.data == expected_grad, tt::per_element());
    }
  }
}

// Ties and NaNs, for the unrolled 3×3 and 2×2 windows and the general one (4×4): the gradient goes
// to the first cell (row-major) holding the maximum, as in Caffe; NaNs never win, so a window of
// NaNs gives −∞ and routes its gradient to its first cell.
BOOST_AUTO_TEST_CASE(max_pool_ties_go_to_the_first_cell_and_nans_never_win) {
  for (const int k : {2, 3, 4}) {
    BOOST_TEST_CONTEXT("kernel " << k) {
      const nin::LayerSpec spec = first_layer(
          {1, k, 2 * k}, R"({"name": "p", "type": "max_pool", "kernel": )" + std::to_string(k) +
                             R"(, "stride": )" + std::to_string(k) + "}");
      BOOST_TEST_REQUIRE(spec.output.height == 1);
      BOOST_TEST_REQUIRE(spec.output.width == 2);
      nin::MaxPooling pool(spec, 1);
      // Left window: all 7 (a tie everywhere). Right window: NaN everywhere.
      Buffer in({1, 1, k, 2 * k}, 7.0f), out({1, 1, 1, 2});
      for (int h = 0; h < k; ++h)
        for (int v = k; v < 2 * k; ++v) in.data[static_cast<std::size_t>(h * 2 * k + v)] = kNaN;
      pool.forward(in.view(), out.view(), Phase::train);
      BOOST_TEST(out.data[0] == 7.0f);
      BOOST_TEST(out.data[1] == -std::numeric_limits<float>::infinity());
      Buffer eval_out({1, 1, 1, 2});
      pool.forward(in.view(), eval_out.view(), Phase::eval);
      BOOST_TEST(eval_out.data == out.data, tt::per_element());
      Buffer out_grad({1, 1, 1, 2}, {3.0f, 5.0f}), in_grad({1, 1, k, 2 * k});
      pool.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
      std::vector<float> expected(static_cast<std::size_t>(2 * k * k), 0.0f);
      expected[0] = 3.0f;
      expected[static_cast<std::size_t>(k)] = 5.0f;
      BOOST_TEST(in_grad.data == expected, tt::per_element());

      // One finite value among NaNs wins; a later equal value does not.
      std::fill(in.data.begin(), in.data.end(), kNaN);
      const auto first = static_cast<std::size_t>((k - 1) * 2 * k);  // last row, column 0
      const auto later = first + static_cast<std::size_t>(k - 1);    // last row, column k − 1
      in.data[first] = -2.0f;
      in.data[later] = -2.0f;
      pool.forward(in.view(), out.view(), Phase::train);
      BOOST_TEST(out.data[0] == -2.0f);
      pool.forward(in.view(), eval_out.view(), Phase::eval);
      BOOST_TEST(eval_out.data[0] == -2.0f);
      pool.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
      BOOST_TEST(in_grad.data[first] == 3.0f);
      BOOST_TEST(in_grad.data[later] == 0.0f);
    }
  }
}

// The forward pass takes values only (the running maximum of a window's rows, then of its
// columns); backward finds each window's maximum again, with its position. For every window
// shape, clipped and padded windows and NaNs included, the gradient of each output must land on an
// input cell of its window that holds the forward's value (or, for a window without a number, on
// its first cell, the forward giving −∞).
BOOST_AUTO_TEST_CASE(max_pool_backward_finds_the_forward_maxima_again) {
  struct Geometry {
    int kernel, stride, pad, height, width;
  };
  for (const Geometry g :
       {Geometry{3, 2, 0, 9, 8}, Geometry{2, 2, 0, 7, 7}, Geometry{3, 1, 1, 5, 6},
        Geometry{4, 3, 1, 11, 9}, Geometry{3, 2, 1, 32, 32}}) {
    BOOST_TEST_CONTEXT("kernel " << g.kernel << " stride " << g.stride << " pad " << g.pad) {
      const nin::LayerSpec spec =
          first_layer({2, g.height, g.width}, R"({"name": "p", "type": "max_pool", "kernel": )" +
                                                  std::to_string(g.kernel) + R"(, "stride": )" +
                                                  std::to_string(g.stride) + R"(, "pad": )" +
                                                  std::to_string(g.pad) + "}");
      nin::MaxPooling pool(spec, 3);
      const std::int64_t count = 2 * 3 * g.height * g.width;
      Buffer in({2, 3, g.height, g.width}, nin::test::random_reals(count, 17, -1, 1));
      for (std::int64_t i = 0; i < count; i += 7) in.data[static_cast<std::size_t>(i)] = kNaN;
      const std::int64_t outputs = 2 * 3 * spec.output.height * spec.output.width;
      Buffer out({2, 3, spec.output.height, spec.output.width}),
          out_grad({2, 3, spec.output.height, spec.output.width}),
          in_grad({2, 3, g.height, g.width});
      pool.forward(in.view(), out.view(), Phase::train);
      int misplaced = 0;
      for (std::int64_t i = 0; i < outputs; ++i) {
        std::fill(out_grad.data.begin(), out_grad.data.end(), 0.0f);
        out_grad.data[static_cast<std::size_t>(i)] = 1.0f;
        pool.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
        const auto cell = std::find(in_grad.data.begin(), in_grad.data.end(), 1.0f);
        const float value = out.data[static_cast<std::size_t>(i)];
        if (cell == in_grad.data.end() ||
            std::count(in_grad.data.begin(), in_grad.data.end(), 0.0f) !=
                static_cast<std::ptrdiff_t>(in_grad.data.size()) - 1) {
          ++misplaced;
        } else if (std::isinf(value)) {
          if (!std::isnan(in.data[static_cast<std::size_t>(cell - in_grad.data.begin())]))
            ++misplaced;
        } else if (in.data[static_cast<std::size_t>(cell - in_grad.data.begin())] != value) {
          ++misplaced;
        }
      }
      BOOST_TEST(misplaced == 0);
    }
  }
}

// Padded average: cells of the padding do not count (5×5, kernel 3, stride 2, pad 1; corner
// window covers rows 0..1 and columns 0..1 only, so it divides by 4).
BOOST_AUTO_TEST_CASE(padded_average_divides_by_input_cells) {
  const nin::LayerSpec spec = first_layer(
      {1, 5, 5}, R"({"name": "p", "type": "avg_pool", "kernel": 3, "stride": 2, "pad": 1})");
  nin::AveragePooling pool(spec);
  Buffer in({1, 1, 5, 5}, 1.0f), out({1, 1, 3, 3});
  in.data[0] = 5.0f;  // corner
  pool.forward(in.view(), out.view(), Phase::train);
  BOOST_TEST(out.data[0] == 2.0f);  // (5 + 1 + 1 + 1) / 4
  for (std::size_t i = 1; i < out.data.size(); ++i) BOOST_TEST(out.data[i] == 1.0f);
}

BOOST_AUTO_TEST_CASE(global_average_matches_reference_and_finite_differences) {
  const Shape input{3, 5, 7};
  const nin::LayerSpec spec =
      make_spec(input, 3,
                R"({"name": "c", "type": "convolution", "outputs": 3, "kernel": 1},
                   {"name": "gap", "type": "global_avg_pool"})")
          .layers[1];
  BOOST_TEST_REQUIRE((spec.input == input));
  BOOST_TEST_REQUIRE((spec.output == Shape{3, 1, 1}));
  nin::GlobalAveragePooling gap(spec);
  const ref::Dims in_dims = dims_of(input, 4), out_dims = dims_of(spec.output, 4);
  Buffer in(in_dims, random_ints(in_dims.size(), 31, -9, 9)), out(out_dims);
  gap.forward(in.view(), out.view(), Phase::train);
  BOOST_TEST(out.data == to_float(ref::global_average_forward(in.tensor()).values),
             tt::per_element());

  const std::vector<float> r = random_reals(out_dims.size(), 32, -1.0f, 1.0f);
  Buffer out_grad(out_dims, r), in_grad(in_dims);
  gap.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  const auto expected = ref::global_average_backward(in_dims, Buffer(out_dims, r).tensor());
  const auto result = compare(in_grad.data, expected.values, 1e-6, 0.0);
  BOOST_TEST(result.ok(), result.report);
  const std::vector<float> analytic = in_grad.data;
  check_gradient("input", in.data.data(), in_dims.size(), analytic, 1e-2f, [&] {
    gap.forward(in.view(), out.view(), Phase::train);
    return nin::test::weighted_sum(out.data.data(), r);
  });
}

BOOST_AUTO_TEST_SUITE_END()

// =================================================================================================
// ReLU and dropout

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE(relu_in_place_matches_reference_and_finite_differences) {
  const Shape input{3, 4, 5};
  const nin::LayerSpec spec = first_layer(input, R"({"name": "r", "type": "relu"})");
  nin::Relu relu(spec);
  BOOST_TEST(relu.in_place());
  const ref::Dims dims = dims_of(input, 3);
  std::vector<float> x = random_ints(dims.size(), 41, -3, 3);
  for (auto& v : x) v += 0.5f;  // away from the kink
  const ref::Tensor4 x_ref = Buffer(dims, x).tensor();
  Buffer data(dims, x);
  relu.forward(data.view(), data.view(), Phase::train);  // in place, as the network runs it
  BOOST_TEST(data.data == to_float(ref::relu_forward(x_ref).values), tt::per_element());

  const std::vector<float> r = random_reals(dims.size(), 42, -1.0f, 1.0f);
  Buffer grad(dims, r);
  relu.backward(data.view(), data.view(), grad.view(), grad.view());
  BOOST_TEST(grad.data == to_float(ref::relu_backward(x_ref, Buffer(dims, r).tensor()).values),
             tt::per_element());

  Buffer in(dims, x), out(dims);
  check_gradient("input", in.data.data(), dims.size(), grad.data, 1e-2f, [&] {
    relu.forward(in.view(), out.view(), Phase::train);
    return nin::test::weighted_sum(out.data.data(), r);
  });
}

nin::LayerSpec dropout_spec(const Shape& input, double ratio) {
  return first_layer(input,
                     R"({"name": "d", "type": "dropout", "ratio": )" + std::to_string(ratio) + "}");
}

BOOST_AUTO_TEST_CASE(dropout_is_the_identity_in_eval) {
  const Shape input{3, 4, 5};
  nin::Dropout dropout(dropout_spec(input, 0.5), 2);
  dropout.initialize(5);
  const ref::Dims dims = dims_of(input, 2);
  const std::vector<float> x = random_reals(dims.size(), 51, -2.0f, 2.0f);
  Buffer data(dims, x), out(dims);
  dropout.forward(data.view(), data.view(), Phase::eval);
  BOOST_TEST(data.data == x, tt::per_element());
  dropout.forward(data.view(), out.view(), Phase::eval);
  BOOST_TEST(out.data == x, tt::per_element());
  BOOST_TEST(dropout.passes() == 0u);  // eval draws no mask
}

BOOST_AUTO_TEST_CASE(dropout_train_scales_kept_values_and_backward_uses_the_same_mask) {
  const Shape input{4, 10, 10};
  for (const double ratio : {0.5, 0.3}) {
    BOOST_TEST_CONTEXT("ratio " << ratio) {
      nin::Dropout dropout(dropout_spec(input, ratio), 10);
      dropout.initialize(77);
      const ref::Dims dims = dims_of(input, 10);
      const std::vector<float> x = random_reals(dims.size(), 52, 1.0f, 2.0f);  // never zero
      const float scale = 1.0f / (1.0f - static_cast<float>(ratio));
      Buffer data(dims, x);
      dropout.forward(data.view(), data.view(), Phase::train);  // in place
      std::vector<bool> kept(x.size());
      std::int64_t kept_count = 0, wrong = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        kept[i] = data.data[i] != 0.0f;
        kept_count += kept[i];
        if (kept[i] && data.data[i] != x[i] * scale) ++wrong;
      }
      BOOST_TEST(wrong == 0);
      const double fraction = static_cast<double>(kept_count) / static_cast<double>(x.size());
      BOOST_TEST(std::abs(fraction - (1.0 - ratio)) < 0.03, "kept " << fraction);
      if (ratio == 0.5) BOOST_TEST(scale == 2.0f);

      // Backward in place: the gradient passes exactly where the value was kept, scaled alike.
      const std::vector<float> dy = random_reals(dims.size(), 53, -1.0f, 1.0f);
      Buffer grad(dims, dy);
      dropout.backward(data.view(), data.view(), grad.view(), grad.view());
      std::int64_t mismatches = 0;
      for (std::size_t i = 0; i < x.size(); ++i)
        mismatches += grad.data[i] != (kept[i] ? dy[i] * scale : 0.0f);
      BOOST_TEST(mismatches == 0);

      // The next pass draws another mask; a re-initialised layer draws the first one again.
      Buffer again(dims, x);
      dropout.forward(again.view(), again.view(), Phase::train);
      BOOST_TEST((again.data != data.data));
      BOOST_TEST(dropout.passes() == 2u);
      dropout.initialize(77);
      Buffer replay(dims, x);
      dropout.forward(replay.view(), replay.view(), Phase::train);
      BOOST_TEST(replay.data == data.data, tt::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(dropout_finite_differences_with_a_fixed_mask) {
  const Shape input{2, 3, 5};
  nin::Dropout dropout(dropout_spec(input, 0.4), 3);
  dropout.initialize(3);
  const ref::Dims dims = dims_of(input, 3);
  Buffer in(dims, random_reals(dims.size(), 54, -2.0f, 2.0f)), out(dims);
  const std::vector<float> r = random_reals(dims.size(), 55, -1.0f, 1.0f);
  dropout.forward(in.view(), out.view(), Phase::train);
  Buffer out_grad(dims, r), in_grad(dims);
  dropout.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
  check_gradient("input", in.data.data(), dims.size(), in_grad.data, 1e-2f, [&] {
    dropout.set_passes(0);  // the same mask every time
    dropout.forward(in.view(), out.view(), Phase::train);
    return nin::test::weighted_sum(out.data.data(), r);
  });
}

BOOST_AUTO_TEST_SUITE_END()

// =================================================================================================
// Batch normalisation

struct BatchNormFixture {
  Shape input{3, 5, 7};
  std::int64_t batch = 4;
  nin::LayerSpec spec =
      first_layer(input, R"({"name": "bn", "type": "batch_norm", "momentum": 0.25, "eps": 0.001})");
  ref::Dims dims = dims_of(input, batch);
  std::vector<float> scale = {1.5f, 0.75f, -0.5f};
  std::vector<float> shift = {0.25f, -0.125f, 0.0625f};

  // Values ±(1..2) with a per-channel offset and spread: with the shifts above every normalised
  // value, and so every fused-ReLU input, stays well away from zero.
  std::vector<float> input_values(std::uint64_t seed) const {
    std::vector<float> x = random_reals(dims.size(), seed, 1.0f, 2.0f);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto c = static_cast<std::int64_t>(i) / (dims.size() / dims.channels);
      if (nin::test::random_int(seed + 1, i, 0, 1) == 0) x[i] = -x[i];
      x[i] = x[i] * static_cast<float>(c + 1) + static_cast<float>(3 * c - 2);
    }
    return x;
  }
};

BOOST_FIXTURE_TEST_SUITE(batch_norm, BatchNormFixture)

BOOST_AUTO_TEST_CASE(train_forward_and_running_statistics_match_reference) {
  nin::BatchNorm bn(spec);
  Bound params = bind(bn);
  bn.initialize(0);
  BOOST_TEST(params.values[0] == std::vector<float>(3, 1.0f), tt::per_element());
  BOOST_TEST(params.values[1] == std::vector<float>(3, 0.0f), tt::per_element());
  set(params.values[0], scale);
  set(params.values[1], shift);
  std::vector<double> running_mean(3, 0.0), running_var(3, 1.0);
  for (const std::uint64_t seed : {61u, 62u}) {
    Buffer in(dims, input_values(seed)), out(dims);
    bn.forward(in.view(), out.view(), Phase::train);
    const auto expected =
        ref::batch_norm_train(in.tensor(), to_double(scale), to_double(shift), 0.001, false);
    const auto result = compare(out.data, expected.out.values, 1e-5, 1e-6);
    BOOST_TEST(result.ok(), result.report);
    running_mean = ref::running_average(running_mean, expected.mean, 0.25);
    running_var = ref::running_average(running_var, expected.unbiased_variance, 0.25);
    BOOST_TEST_REQUIRE(bn.state().size() == 2u);
    const auto mean = compare(to_double(bn.state()[0].value, 3), running_mean, 1e-6, 1e-6);
    const auto var = compare(to_double(bn.state()[1].value, 3), running_var, 1e-6, 1e-6);
    BOOST_TEST(mean.ok(), "running mean" << mean.report);
    BOOST_TEST(var.ok(), "running variance" << var.report);
  }
}

BOOST_AUTO_TEST_CASE(eval_forward_uses_running_statistics) {
  for (const bool relu : {false, true}) {
    BOOST_TEST_CONTEXT("fused relu " << relu) {
      nin::BatchNorm bn(spec);
      if (relu) bn.fuse_relu();
      Bound params = bind(bn);
      bn.initialize(0);
      set(params.values[0], scale);
      set(params.values[1], shift);
      const std::vector<float> mean = {0.5f, -1.0f, 2.0f}, var = {0.25f, 4.0f, 1.5f};
      std::copy(mean.begin(), mean.end(), bn.state()[0].value);
      std::copy(var.begin(), var.end(), bn.state()[1].value);
      Buffer in(dims, input_values(63)), out(dims);
      bn.forward(in.view(), out.view(), Phase::eval);
      const auto expected = ref::batch_norm_eval(in.tensor(), to_double(scale), to_double(shift),
                                                 to_double(mean), to_double(var), 0.001, relu);
      const auto result = compare(out.data, expected.values, 1e-5, 1e-6);
      BOOST_TEST(result.ok(), result.report);
      // Eval leaves the running statistics alone, and inference_affine describes it.
      BOOST_TEST(to_double(bn.state()[0].value, 3) == to_double(mean), tt::per_element());
      BOOST_TEST(to_double(bn.state()[1].value, 3) == to_double(var), tt::per_element());
      std::vector<float> a(3), b(3);
      bn.inference_affine(a.data(), b.data());
      std::vector<double> affine(out.data.size());
      const std::int64_t row = dims.size() / 3;
      for (std::size_t i = 0; i < affine.size(); ++i) {
        const auto c = static_cast<std::size_t>(static_cast<std::int64_t>(i) / row);
        affine[i] = static_cast<double>(a[c]) * in.data[i] + b[c];
        if (relu) affine[i] = std::max(affine[i], 0.0);
      }
      const auto folded = compare(out.data, affine, 1e-5, 1e-6);
      BOOST_TEST(folded.ok(), folded.report);
    }
  }
}

BOOST_AUTO_TEST_CASE(backward_matches_reference_and_finite_differences) {
  for (const bool relu : {false, true}) {
    BOOST_TEST_CONTEXT("fused relu " << relu) {
      nin::BatchNorm bn(spec);
      if (relu) bn.fuse_relu();
      Bound params = bind(bn);
      bn.initialize(0);
      set(params.values[0], scale);
      set(params.values[1], shift);
      Buffer in(dims, input_values(64)), out(dims);
      bn.forward(in.view(), out.view(), Phase::train);
      const auto forward =
          ref::batch_norm_train(in.tensor(), to_double(scale), to_double(shift), 0.001, relu);
      const auto result = compare(out.data, forward.out.values, 1e-5, 1e-6);
      BOOST_TEST(result.ok(), result.report);
      // Every ReLU input is far from the kink, so finite differences are valid.
      const auto pre =
          ref::batch_norm_train(in.tensor(), to_double(scale), to_double(shift), 0.001, false);
      BOOST_TEST_REQUIRE(nin::test::max_abs(pre.out.values) > 0.0);
      double margin = 1e9;
      for (const double v : pre.out.values) margin = std::min(margin, std::abs(v));
      BOOST_TEST_REQUIRE(margin > 0.05);

      const std::vector<float> r = random_reals(dims.size(), 65, -1.0f, 1.0f);
      Buffer out_grad(dims, r), in_grad(dims);
      bn.backward(in.view(), out.view(), out_grad.view(), in_grad.view());
      const auto g = ref::batch_norm_backward(in.tensor(), to_double(scale), 0.001, relu,
                                              forward.out, Buffer(dims, r).tensor());
      const double floor = 1e-5 * nin::test::max_abs(g.input.values);
      const auto input = compare(in_grad.data, g.input.values, 1e-3, floor);
      const auto dscale = compare(params.grads[0], g.scale, 1e-4, 1e-5);
      const auto dshift = compare(params.grads[1], g.shift, 1e-5, 1e-6);
      BOOST_TEST(input.ok(), "input" << input.report);
      BOOST_TEST(dscale.ok(), "scale" << dscale.report);
      BOOST_TEST(dshift.ok(), "shift" << dshift.report);

      const std::vector<float> analytic_in = in_grad.data;
      const std::vector<std::vector<float>> analytic = params.grads;
      const auto loss = [&] {
        bn.forward(in.view(), out.view(), Phase::train);
        return nin::test::weighted_sum(out.data.data(), r);
      };
      check_gradient("input", in.data.data(), dims.size(), analytic_in, 1e-2f, loss, 60);
      check_gradient("scale", params.values[0].data(), 3, analytic[0], 1e-2f, loss);
      check_gradient("shift", params.values[1].data(), 3, analytic[1], 1e-2f, loss);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// =================================================================================================
// Softmax cross-entropy

BOOST_AUTO_TEST_SUITE(softmax_loss)

struct Logits {
  std::int64_t classes, batch;
  std::vector<float> values;  // [classes][batch]
  nin::ConstActivations view() const { return {values.data(), classes, batch, 1, 1}; }
};

BOOST_AUTO_TEST_CASE(matches_reference) {
  const Logits logits{5, 7, random_reals(35, 71, -5.0f, 5.0f)};
  const std::vector<std::int32_t> labels = {0, 4, 2, 2, 1, 3, 0};
  std::vector<float> grad(35, kNaN);
  const nin::LossResult got =
      nin::softmax_cross_entropy(logits.view(), labels.data(), {grad.data(), 5, 7, 1, 1});
  const auto expected = ref::softmax_cross_entropy(to_double(logits.values), 5, 7, labels);
  BOOST_TEST(got.loss_sum == expected.loss_sum, tt::tolerance(1e-6));
  BOOST_TEST(got.correct == expected.correct);
  const auto result = compare(grad, expected.grad, 1e-5, 1e-7);
  BOOST_TEST(result.ok(), result.report);
  // Without a gradient buffer: the same loss, nothing written.
  const nin::LossResult no_grad = nin::softmax_cross_entropy(logits.view(), labels.data(), {});
  BOOST_TEST(no_grad.loss_sum == got.loss_sum);
  BOOST_TEST(no_grad.correct == got.correct);
}

// Two equal logits: loss ln 2 per image, gradient ±0.5 / batch, a tie counts as class 0.
BOOST_AUTO_TEST_CASE(by_hand) {
  const Logits logits{2, 3, {1, 1, 1, 1, 1, 1}};
  const std::vector<std::int32_t> labels = {0, 1, 0};
  std::vector<float> grad(6);
  const auto got =
      nin::softmax_cross_entropy(logits.view(), labels.data(), {grad.data(), 2, 3, 1, 1});
  BOOST_TEST(got.loss_sum == 3.0 * std::log(2.0), tt::tolerance(1e-12));
  BOOST_TEST(got.correct == 2);
  const float s = 0.5f / 3.0f;
  const std::vector<float> expected = {-s, s, -s, s, -s, s};
  const auto result = compare(grad, expected, 1e-6, 0.0);
  BOOST_TEST(result.ok(), result.report);
}

BOOST_AUTO_TEST_CASE(gradient_is_softmax_minus_onehot_over_batch_by_finite_differences) {
  Logits logits{4, 6, random_reals(24, 72, -3.0f, 3.0f)};
  const std::vector<std::int32_t> labels = {3, 0, 1, 1, 2, 0};
  std::vector<float> grad(24, kNaN);
  nin::softmax_cross_entropy(logits.view(), labels.data(), {grad.data(), 4, 6, 1, 1});
  // Columns of (softmax − onehot) sum to zero.
  for (std::int64_t n = 0; n < 6; ++n) {
    double sum = 0.0;
    for (std::int64_t k = 0; k < 4; ++k) sum += grad[static_cast<std::size_t>(k * 6 + n)];
    BOOST_TEST(std::abs(sum) < 1e-7);
  }
  check_gradient("logits", logits.values.data(), 24, grad, 1e-2f, [&] {
    return nin::softmax_cross_entropy(logits.view(), labels.data(), {}).loss_sum / 6.0;
  });
}

// Label smoothing ε: the loss is Σ_k q_k·(−log p_k) with q = (1−ε)·onehot + ε/K, computed here in
// double from the softmax; the gradient (p − q)/batch is checked by finite differences of it.
BOOST_AUTO_TEST_CASE(label_smoothing_matches_the_smoothed_target_and_finite_differences) {
  const double epsilon = 0.1;
  Logits logits{4, 6, random_reals(24, 73, -3.0f, 3.0f)};
  const std::vector<std::int32_t> labels = {2, 0, 3, 1, 2, 0};
  double expected = 0.0;
  for (std::int64_t n = 0; n < 6; ++n) {
    double denominator = 0.0;
    for (std::int64_t k = 0; k < 4; ++k)
      denominator += std::exp(double(logits.values[static_cast<std::size_t>(k * 6 + n)]));
    for (std::int64_t k = 0; k < 4; ++k) {
      const double q =
          (k == labels[static_cast<std::size_t>(n)] ? 1.0 - epsilon : 0.0) + epsilon / 4;
      const double p =
          std::exp(double(logits.values[static_cast<std::size_t>(k * 6 + n)])) / denominator;
      expected -= q * std::log(p);
    }
  }
  std::vector<float> grad(24, kNaN);
  const auto got = nin::softmax_cross_entropy(logits.view(), labels.data(),
                                              {grad.data(), 4, 6, 1, 1}, 0, -1, 0, epsilon);
  BOOST_TEST(got.loss_sum == expected, tt::tolerance(1e-6));
  const auto plain = nin::softmax_cross_entropy(logits.view(), labels.data(), {});
  BOOST_TEST(got.correct == plain.correct);  // accuracy does not depend on the target
  BOOST_TEST(got.loss_sum != plain.loss_sum);
  check_gradient("logits", logits.values.data(), 24, grad, 1e-2f, [&] {
    return nin::softmax_cross_entropy(logits.view(), labels.data(), {}, 0, -1, 0, epsilon)
               .loss_sum /
           6.0;
  });
}

BOOST_AUTO_TEST_CASE(stable_with_large_logits) {
  // Logits around ±1e4 (integers, so exact in float), and one image whose logits are 2e4 apart.
  const std::int64_t classes = 3, batch = 4;
  std::vector<float> small = {1, -2, 0, 5, 3, 1, -4, -1, 2, 0, 0, 3};
  std::vector<float> large(small.size());
  for (std::size_t i = 0; i < small.size(); ++i)
    large[i] = small[i] + ((i % batch) < 2 ? 1e4f : -1e4f);
  large[static_cast<std::size_t>(0 * batch + 3)] = 1e4f;
  large[static_cast<std::size_t>(1 * batch + 3)] = -1e4f;
  large[static_cast<std::size_t>(2 * batch + 3)] = 0.0f;
  const std::vector<std::int32_t> labels = {0, 2, 1, 1};
  std::vector<float> grad(12, kNaN);
  const auto got = nin::softmax_cross_entropy({large.data(), classes, batch, 1, 1}, labels.data(),
                                              {grad.data(), classes, batch, 1, 1});
  BOOST_TEST(std::isfinite(got.loss_sum));
  for (const float g : grad) BOOST_TEST(std::isfinite(g));
  const auto expected = ref::softmax_cross_entropy(to_double(large), classes, batch, labels);
  BOOST_TEST(got.loss_sum == expected.loss_sum, tt::tolerance(1e-9));
  BOOST_TEST(expected.loss_sum > 2e4 - 10.0);  // image 3: label 1 sits 2e4 below the best logit
  BOOST_TEST(got.correct == expected.correct);
  const auto result = compare(grad, expected.grad, 1e-5, 1e-7);
  BOOST_TEST(result.ok(), result.report);
  // Shifting an image's logits changes nothing: the first three images match the unshifted ones.
  std::vector<float> small_grad(12);
  const std::vector<std::int32_t> small_labels = labels;
  nin::softmax_cross_entropy({small.data(), classes, batch, 1, 1}, small_labels.data(),
                             {small_grad.data(), classes, batch, 1, 1});
  for (std::int64_t k = 0; k < classes; ++k)
    for (std::int64_t n = 0; n < 3; ++n)
      BOOST_TEST(grad[static_cast<std::size_t>(k * batch + n)] ==
                 small_grad[static_cast<std::size_t>(k * batch + n)]);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()  // layers

}  // namespace
