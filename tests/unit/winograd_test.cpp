// The Winograd path of the convolution layer (nin/layers/winograd.hpp) against the im2col path
// and the naive double reference, on real-valued data where Winograd's transforms round.
//
// Error measure: the largest absolute difference divided by the largest magnitude of the
// reference, max|a - e| / max|e| (the max-norm relative error), at most 1e-4. An elementwise
// relative error would be meaningless where outputs cancel to near zero. Weight gradients, taken
// in the transformed domain and summed over chunks there, are checked on the same measure.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/layers/convolution.hpp"
#include "nin/spec/network_spec.hpp"
#include "reference_layers.hpp"
#include "test_support.hpp"

namespace {

namespace bdata = boost::unit_test::data;
namespace ref = nin::reference;
using nin::ConvolutionAlgorithm;
using nin::Phase;
using nin::test::random_reals;
using nin::test::to_double;

constexpr double kTolerance = 1e-4;

struct Case {
  std::string name;
  std::int64_t channels, height, width, outputs, kernel, pad, batch;
  bool bias, relu;
};
std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << c.name;
}

nin::LayerSpec spec_of(const Case& c) {
  const std::string json =
      R"({"input": {"channels": )" + std::to_string(c.channels) + R"(, "height": )" +
      std::to_string(c.height) + R"(, "width": )" + std::to_string(c.width) +
      R"(}, "classes": 2, "layers": [{"name": "conv", "type": "convolution", "outputs": )" +
      std::to_string(c.outputs) + R"(, "kernel": )" + std::to_string(c.kernel) + R"(, "pad": )" +
      std::to_string(c.pad) + R"(, "bias": )" + (c.bias ? "true" : "false") +
      R"(}, {"name": "tail", "type": "convolution", "outputs": 2, "kernel": 1},
            {"name": "gap", "type": "global_avg_pool"}]})";
  return nin::parse_network_spec(json, "winograd_test").layers[0];
}

// A layer with bound parameters, its input, and what one training step gives.
struct Run {
  nin::Convolution conv;
  std::vector<float> weight, weight_grad, bias, bias_grad;
  std::vector<float> out, in_grad;

  Run(const nin::LayerSpec& spec, const Case& c, ConvolutionAlgorithm algorithm)
      : conv(spec, c.batch, true, algorithm),
        weight(random_reals(spec.outputs * c.channels * c.kernel * c.kernel, 1, -1, 1)),
        weight_grad(weight.size()),
        bias(random_reals(spec.outputs, 2, -1, 1)),
        bias_grad(bias.size()) {
    if (c.relu) conv.fuse_relu();
    conv.parameters()[0].value = weight.data();
    conv.parameters()[0].grad = weight_grad.data();
    if (c.bias) {
      conv.parameters()[1].value = bias.data();
      conv.parameters()[1].grad = bias_grad.data();
    }
  }

  // Forward and backward (the output gradient gets the fixed values r).
  void step(const nin::LayerSpec& spec, const Case& c, std::vector<float>& in,
            const std::vector<float>& r) {
    out.assign(
        static_cast<std::size_t>(spec.outputs * c.batch * spec.output.height * spec.output.width),
        std::nanf(""));
    in_grad.assign(in.size(), std::nanf(""));
    const nin::Activations in_view{in.data(), c.channels, c.batch, c.height, c.width};
    const nin::Activations out_view{out.data(), spec.outputs, c.batch, spec.output.height,
                                    spec.output.width};
    conv.forward(in_view, out_view, Phase::train);
    std::vector<float> out_grad = r;
    conv.backward(in_view, out_view,
                  {out_grad.data(), spec.outputs, c.batch, spec.output.height, spec.output.width},
                  {in_grad.data(), c.channels, c.batch, c.height, c.width});
  }
};

template <typename A, typename E>
double max_norm_error(const std::vector<A>& actual, const std::vector<E>& expected) {
  BOOST_TEST_REQUIRE(actual.size() == expected.size());
  double difference = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    difference = std::max(
        difference, std::abs(static_cast<double>(actual[i]) - static_cast<double>(expected[i])));
    scale = std::max(scale, std::abs(static_cast<double>(expected[i])));
  }
  return scale > 0.0 ? difference / scale : difference;
}

std::vector<Case> cases() {
  // channels, height, width, outputs, kernel, pad, batch, bias, relu
  return {
      {"3x3_pad1_8x8", 8, 8, 8, 16, 3, 1, 2, true, false},
      {"3x3_pad0_7x7_relu", 5, 7, 7, 6, 3, 0, 3, true, true},
      {"3x3_pad2_13x11", 17, 13, 11, 9, 3, 2, 2, false, false},
      {"3x3_pad1_1x1_image", 4, 1, 1, 3, 3, 1, 5, true, false},
      {"3x3_pad3_wider_than_kernel", 3, 6, 5, 4, 3, 3, 2, true, false},
      {"3x3_one_channel", 1, 9, 10, 2, 3, 1, 3, true, true},
      {"3x3_40_channels_several_blocks", 40, 20, 20, 24, 3, 1, 7, true, true},
      {"5x5_pad2_13x11", 6, 13, 11, 7, 5, 2, 3, true, false},
      {"5x5_pad0_7x7", 9, 7, 7, 5, 5, 0, 2, false, false},
      {"5x5_pad1_odd", 3, 9, 8, 4, 5, 1, 2, true, true},
      {"5x5_pad2_1x1_image", 2, 1, 1, 3, 5, 2, 4, true, false},
      {"5x5_pad2_36_channels_several_blocks", 36, 16, 16, 12, 5, 2, 9, true, true},
  };
}

BOOST_AUTO_TEST_SUITE(layers)
BOOST_AUTO_TEST_SUITE(winograd)

BOOST_DATA_TEST_CASE(matches_im2col_and_reference, bdata::make(cases()), c) {
  const nin::LayerSpec spec = spec_of(c);
  Run winograd(spec, c, ConvolutionAlgorithm::winograd);
  Run im2col(spec, c, ConvolutionAlgorithm::im2col);
  BOOST_TEST_REQUIRE(winograd.conv.uses_winograd());
  BOOST_TEST_REQUIRE(!im2col.conv.uses_winograd());
  if (c.name.find("several_blocks") != std::string::npos)
    BOOST_TEST_REQUIRE(winograd.conv.images_per_block() < c.batch);

  std::vector<float> in = random_reals(c.channels * c.batch * c.height * c.width, 3, -1, 1);
  const std::vector<float> r =
      random_reals(spec.outputs * c.batch * spec.output.height * spec.output.width, 4, -1, 1);
  winograd.step(spec, c, in, r);
  im2col.step(spec, c, in, r);

  ref::Tensor4 x({c.channels, c.batch, c.height, c.width});
  x.values = to_double(in);
  const std::vector<double> bias = c.bias ? to_double(winograd.bias) : std::vector<double>{};
  const ref::Tensor4 y = ref::convolution_forward(x, to_double(winograd.weight), bias, spec.outputs,
                                                  spec.window, c.relu);
  ref::Tensor4 dy(y.dims);
  dy.values = to_double(r);
  const ref::ConvolutionGradients g = ref::convolution_backward(
      x, to_double(winograd.weight), c.bias, spec.outputs, spec.window, c.relu, y, dy);

  BOOST_TEST_MESSAGE(
      c.name << ": forward error " << max_norm_error(winograd.out, y.values)
             << ", input-gradient error " << max_norm_error(winograd.in_grad, g.input.values)
             << ", weight-gradient error " << max_norm_error(winograd.weight_grad, g.weight));
  BOOST_TEST(max_norm_error(winograd.out, y.values) <= kTolerance);
  BOOST_TEST(max_norm_error(winograd.out, im2col.out) <= kTolerance);
  BOOST_TEST(max_norm_error(winograd.in_grad, g.input.values) <= kTolerance);
  BOOST_TEST(max_norm_error(winograd.in_grad, im2col.in_grad) <= kTolerance);
  BOOST_TEST(max_norm_error(winograd.weight_grad, g.weight) <= kTolerance);
  BOOST_TEST(max_norm_error(winograd.weight_grad, im2col.weight_grad) <= kTolerance);
  if (c.bias) BOOST_TEST(max_norm_error(winograd.bias_grad, g.bias) <= kTolerance);
  // The measure can fail: a 1% error in one output is seen.
  std::vector<float> wrong = winograd.out;
  wrong[wrong.size() / 2] += 0.01f * static_cast<float>(nin::test::max_abs(y.values));
  BOOST_TEST(max_norm_error(wrong, y.values) > kTolerance);
}

// The same bits with one thread or two, forward and both gradients: blocks depend only on the
// batch, each image's transforms and GEMM columns only on that image, and the weight gradient's
// chunk sums only on the chunks.
BOOST_AUTO_TEST_CASE(results_do_not_depend_on_thread_count) {
  const Case c{"threads", 24, 12, 12, 16, 3, 1, 21, true, true};
  const nin::LayerSpec spec = spec_of(c);
  std::vector<float> in = random_reals(c.channels * c.batch * c.height * c.width, 5, -1, 1);
  const std::vector<float> r =
      random_reals(spec.outputs * c.batch * spec.output.height * spec.output.width, 6, -1, 1);
  std::vector<std::vector<float>> outs, in_grads, weight_grads;
  for (const int threads : {1, 2}) {
    const nin::ThreadLimit limit(threads);
    Run run(spec, c, ConvolutionAlgorithm::winograd);
    BOOST_TEST_REQUIRE(run.conv.uses_winograd());
    BOOST_TEST_REQUIRE(run.conv.images_per_block() < c.batch);
    run.step(spec, c, in, r);
    outs.push_back(run.out);
    in_grads.push_back(run.in_grad);
    weight_grads.push_back(run.weight_grad);
  }
  BOOST_TEST(outs[0] == outs[1], boost::test_tools::per_element());
  BOOST_TEST(in_grads[0] == in_grads[1], boost::test_tools::per_element());
  BOOST_TEST(weight_grads[0] == weight_grads[1], boost::test_tools::per_element());
}

// The transformed kernel is cached: new weights between passes must be seen.
BOOST_AUTO_TEST_CASE(sees_changed_weights) {
  const Case c{"changed", 12, 6, 6, 5, 5, 2, 2, true, false};
  const nin::LayerSpec spec = spec_of(c);
  Run run(spec, c, ConvolutionAlgorithm::winograd);
  std::vector<float> in = random_reals(c.channels * c.batch * c.height * c.width, 7, -1, 1);
  const std::vector<float> r =
      random_reals(spec.outputs * c.batch * spec.output.height * spec.output.width, 8, -1, 1);
  run.step(spec, c, in, r);
  const std::vector<float> new_weight =
      random_reals(static_cast<std::int64_t>(run.weight.size()), 9, -1, 1);
  std::copy(new_weight.begin(), new_weight.end(), run.weight.begin());
  run.step(spec, c, in, r);
  ref::Tensor4 x({c.channels, c.batch, c.height, c.width});
  x.values = to_double(in);
  const ref::Tensor4 y = ref::convolution_forward(x, to_double(new_weight), to_double(run.bias),
                                                  spec.outputs, spec.window, false);
  ref::Tensor4 dy(y.dims);
  dy.values = to_double(r);
  const ref::ConvolutionGradients g = ref::convolution_backward(
      x, to_double(new_weight), true, spec.outputs, spec.window, false, y, dy);
  BOOST_TEST(max_norm_error(run.out, y.values) <= kTolerance);
  BOOST_TEST(max_norm_error(run.in_grad, g.input.values) <= kTolerance);
}

// An inference pass of a single block with fewer than 16 tiles (one 8×8 image: 4 tiles of 4×4)
// runs as im2col, the same bits as the im2col layer; four such images (16 tiles) run as Winograd.
BOOST_AUTO_TEST_CASE(small_inference_passes_run_as_im2col) {
  const Case c{"small", 24, 8, 8, 32, 3, 1, 4, true, true};
  const nin::LayerSpec spec = spec_of(c);
  Run winograd(spec, c, ConvolutionAlgorithm::winograd),
      im2col(spec, c, ConvolutionAlgorithm::im2col);
  BOOST_TEST_REQUIRE(winograd.conv.uses_winograd());
  BOOST_TEST_REQUIRE(winograd.conv.images_per_block() >= c.batch);
  std::vector<float> in = random_reals(c.channels * c.batch * c.height * c.width, 10, -1, 1);
  ref::Tensor4 x({c.channels, c.batch, c.height, c.width});
  x.values = to_double(in);
  const ref::Tensor4 y = ref::convolution_forward(
      x, to_double(winograd.weight), to_double(winograd.bias), spec.outputs, spec.window, true);
  // Image 0 alone: its plane of each channel (the batch's rows hold all four images).
  const std::int64_t in_plane = c.height * c.width, plane = spec.output.height * spec.output.width;
  std::vector<float> in_one;
  std::vector<double> first_image;
  for (std::int64_t i = 0; i < c.channels; ++i)
    in_one.insert(in_one.end(), in.begin() + i * c.batch * in_plane,
                  in.begin() + (i * c.batch + 1) * in_plane);
  for (std::int64_t o = 0; o < spec.outputs; ++o)
    first_image.insert(first_image.end(), y.values.begin() + o * c.batch * plane,
                       y.values.begin() + (o * c.batch + 1) * plane);
  const auto eval = [&](Run& run, std::int64_t images) {
    std::vector<float> out(static_cast<std::size_t>(spec.outputs * images * plane));
    std::vector<float>& input = images == 1 ? in_one : in;
    run.conv.forward({input.data(), c.channels, images, c.height, c.width},
                     {out.data(), spec.outputs, images, spec.output.height, spec.output.width},
                     Phase::eval);
    return out;
  };
  const std::vector<float> one = eval(winograd, 1);
  BOOST_TEST(one == eval(im2col, 1), boost::test_tools::per_element());
  Case alone = c;  // a layer built for one image has scratch for one lowered image only
  alone.batch = 1;
  Run single(spec, alone, ConvolutionAlgorithm::winograd);
  BOOST_TEST_REQUIRE(single.conv.uses_winograd());
  BOOST_TEST(eval(single, 1) == one, boost::test_tools::per_element());
  BOOST_TEST(max_norm_error(one, first_image) <= kTolerance);
  const std::vector<float> four = eval(winograd, c.batch);
  BOOST_TEST(max_norm_error(four, y.values) <= kTolerance);
  BOOST_TEST(four != eval(im2col, c.batch));  // Winograd rounds differently
}

// Automatic choice: Winograd for stride-1 3×3 and 5×5 with enough channels only;
// NIN_CONVOLUTION=im2col forces im2col; a bad value is a usage error.
BOOST_AUTO_TEST_CASE(chooses_where_it_applies) {
  const auto uses = [](const Case& c, const std::string& extra = "") {
    std::string json = R"({"input": {"channels": )" + std::to_string(c.channels) +
                       R"(, "height": 16, "width": 16}, "classes": 8, "layers": [)" +
                       R"({"name": "conv", "type": "convolution", "outputs": 8, "kernel": )" +
                       std::to_string(c.kernel) + R"(, "pad": 1)" + extra + R"(},
            {"name": "gap", "type": "global_avg_pool"}]})";
    const nin::LayerSpec spec = nin::parse_network_spec(json, "winograd_test").layers[0];
    return nin::Convolution(spec, 4, false).uses_winograd();
  };
  const char* previous = std::getenv("NIN_CONVOLUTION");
  const std::string saved = previous ? previous : "";
  ::unsetenv("NIN_CONVOLUTION");
  BOOST_TEST(uses({"", 64, 0, 0, 0, 3, 0, 0, true, false}));
  BOOST_TEST(uses({"", 64, 0, 0, 0, 5, 0, 0, true, false}));
  BOOST_TEST(!uses({"", 3, 0, 0, 0, 5, 0, 0, true, false}));
  BOOST_TEST(!uses({"", 64, 0, 0, 0, 3, 0, 0, true, false}, R"(, "stride": 2)"));
  BOOST_TEST(!uses({"", 64, 0, 0, 0, 7, 0, 0, true, false}));
  ::setenv("NIN_CONVOLUTION", "im2col", 1);
  BOOST_TEST(!uses({"", 64, 0, 0, 0, 3, 0, 0, true, false}));
  ::setenv("NIN_CONVOLUTION", "winograd", 1);
  BOOST_TEST(uses({"", 3, 0, 0, 0, 5, 0, 0, true, false}));
  ::setenv("NIN_CONVOLUTION", "fast", 1);
  BOOST_CHECK_THROW(uses({"", 64, 0, 0, 0, 3, 0, 0, true, false}), nin::UsageError);
  if (previous)
    ::setenv("NIN_CONVOLUTION", saved.c_str(), 1);
  else
    ::unsetenv("NIN_CONVOLUTION");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace
