// ONNX import and export: pooling attributes checked against a reference of the ONNX operator
// definitions on every small configuration; export of small networks accepted by onnx::checker and
// by ONNX's shape inference; export then import giving back the spec, the normalisation, the
// provenance and every tensor bit for bit; graphs as other exporters write them; and every way the
// import refuses a model, with the error type and the message's content.

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/layers/pooling.hpp"
#include "nin/net/network.hpp"
#include "nin/onnx/onnx_export.hpp"
#include "nin/onnx/onnx_import.hpp"
#include "nin/onnx/onnx_metadata.hpp"
#include "nin/onnx/onnx_pooling.hpp"
#include "nin/spec/network_spec.hpp"
#include "test_support.hpp"

namespace {

using nin::Network;
using nin::Shape;
using nin::test::check_message;
using Dims = std::vector<std::int64_t>;

// ---- Pooling: a reference of ONNX MaxPool/AveragePool written from the operator definitions.

struct OnnxAxis {
  std::int64_t input, kernel, stride, pad_begin, pad_end;
};

std::int64_t reference_output_size(const OnnxAxis& a, bool ceil_mode) {
  const double span = static_cast<double>(a.input + a.pad_begin + a.pad_end - a.kernel);
  auto out =
      static_cast<std::int64_t>(ceil_mode ? std::ceil(span / static_cast<double>(a.stride))
                                          : std::floor(span / static_cast<double>(a.stride))) +
      1;
  // "Sliding windows that would start in the right padded region are ignored."
  if (ceil_mode && (out - 1) * a.stride - a.pad_begin >= a.input) --out;
  return out;
}

// One plane, row-major. Cells outside the input are padding: −∞ for a maximum; for an average
// they count (as zeros, up to the end padding) only with count_include_pad.
std::vector<float> reference_pool(const std::vector<float>& x, const OnnxAxis& h, const OnnxAxis& w,
                                  bool ceil_mode, bool average, bool count_include_pad) {
  const std::int64_t oh = reference_output_size(h, ceil_mode);
  const std::int64_t ow = reference_output_size(w, ceil_mode);
  std::vector<float> y;
  for (std::int64_t i = 0; i < oh; ++i)
    for (std::int64_t j = 0; j < ow; ++j) {
      double best = -std::numeric_limits<double>::infinity(), sum = 0, cells = 0;
      for (std::int64_t r = i * h.stride - h.pad_begin; r < i * h.stride - h.pad_begin + h.kernel;
           ++r)
        for (std::int64_t c = j * w.stride - w.pad_begin; c < j * w.stride - w.pad_begin + w.kernel;
             ++c) {
          const bool inside = r >= 0 && r < h.input && c >= 0 && c < w.input;
          const bool in_padding = r < h.input + h.pad_end && c < w.input + w.pad_end;
          if (inside) {
            const double v = x[static_cast<std::size_t>(r * w.input + c)];
            best = std::max(best, v);
            sum += v;
            ++cells;
          } else if (count_include_pad && in_padding) {
            ++cells;
          }
        }
      // Integer inputs: the sum is exact, and the quotient is rounded once, like nin's.
      y.push_back(static_cast<float>(average ? sum / cells : best));
    }
  return y;
}

nin::LayerSpec pooling_layer(bool average, const nin::Window2d& w, bool ceil_mode,
                             std::int64_t height, std::int64_t width) {
  const auto pair = [](std::int64_t a, std::int64_t b) {
    return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
  };
  const std::string json =
      R"({"input": {"channels": 1, "height": )" + std::to_string(height) + R"(, "width": )" +
      std::to_string(width) + R"(}, "classes": 1, "layers": [{"name": "pool", "type": ")" +
      (average ? "avg_pool" : "max_pool") + R"(", "kernel": )" + pair(w.kernel_h, w.kernel_w) +
      R"(, "stride": )" + pair(w.stride_h, w.stride_w) + R"(, "pad": )" + pair(w.pad_h, w.pad_w) +
      R"(, "ceil_mode": )" + (ceil_mode ? "true" : "false") +
      R"(}, {"name": "c", "type": "convolution", "outputs": 1, "kernel": 1},
            {"name": "gap", "type": "global_avg_pool"}]})";
  return nin::parse_network_spec(json, "onnx_test").layers[0];
}

// nin's pooling layer on one plane.
std::vector<float> nin_pool(const std::vector<float>& x, bool average, const nin::Window2d& w,
                            bool ceil_mode, std::int64_t height, std::int64_t width) {
  const nin::LayerSpec spec = pooling_layer(average, w, ceil_mode, height, width);
  std::unique_ptr<nin::Layer> layer;
  if (average)
    layer = std::make_unique<nin::AveragePooling>(spec);
  else
    layer = std::make_unique<nin::MaxPooling>(spec, 1);
  std::vector<float> in = x, out(static_cast<std::size_t>(spec.output.plane_size()));
  layer->forward({in.data(), 1, 1, height, width},
                 {out.data(), 1, 1, spec.output.height, spec.output.width}, nin::Phase::eval);
  return out;
}

bool valid_nin_window(std::int64_t input, std::int64_t kernel, std::int64_t pad) {
  return pad < kernel && kernel <= input + 2 * pad;
}

BOOST_AUTO_TEST_SUITE(onnx_pooling)

// Every nin window on inputs up to 12 × 12, in ceil and in floor mode: the exported attributes
// compute the same values in the ONNX reference (integer inputs: the sums are exact), whichever
// reading of ceil mode a runtime takes when it chose ceil mode; floor mode exports as floor mode
// with nin's pads; and the import maps them back to the same window and the same window counts.
BOOST_AUTO_TEST_CASE(exported_attributes_compute_nin_pooling) {
  int cases = 0, ceil_cases = 0, floor_cases = 0;
  for (std::int64_t in = 1; in <= 12; ++in)
    for (std::int64_t k = 1; k <= 5; ++k)
      for (std::int64_t s = 1; s <= 4; ++s)
        for (std::int64_t p = 0; p < k; ++p)
          for (const bool ceil_mode : {true, false}) {
            if (!valid_nin_window(in, k, p)) continue;
            // The same axis twice, and the width with one stride more: per-axis attributes.
            const std::int64_t s2 = s + 1;
            if (!valid_nin_window(in + 1, k, p)) continue;
            const nin::Window2d w{k, k, s, s2, p, p};
            const nin::OnnxPooling o = nin::onnx_pooling_for(w, ceil_mode, in, in + 1);
            const OnnxAxis h{in, o.kernel_h, o.stride_h, o.pad_top, o.pad_bottom};
            const OnnxAxis v{in + 1, o.kernel_w, o.stride_w, o.pad_left, o.pad_right};
            const auto x = nin::test::random_ints(in * (in + 1), 31 + in, -50, 50);
            for (const bool average : {false, true}) {
              BOOST_TEST_CONTEXT("in " << in << " kernel " << k << " stride " << s << "/" << s2
                                       << " pad " << p << (ceil_mode ? " ceil" : " floor")
                                       << (average ? " avg" : " max")) {
                const auto expected = nin_pool(x, average, w, ceil_mode, in, in + 1);
                BOOST_TEST(reference_pool(x, h, v, o.ceil_mode, average, false) == expected);
                if (o.ceil_mode) {
                  // Readers that do not drop a window starting in the padding agree here.
                  BOOST_TEST(std::ceil(double(in + 2 * p - k) / double(s)) + 1 ==
                             double(reference_output_size(h, true)));
                  ++ceil_cases;
                }
                if (!ceil_mode) {
                  BOOST_TEST(!o.ceil_mode);
                  BOOST_TEST((o.pad_bottom == p && o.pad_right == p));
                  if (nin::pooling_output_size(in, k, s, p, false) !=
                      nin::pooling_output_size(in, k, s, p, true))
                    ++floor_cases;  // floor mode that ceil mode cannot give
                }
                const nin::PoolingMatch back = nin::nin_window_for(o, in, in + 1, average);
                BOOST_TEST(back.problem == "");
                BOOST_TEST((back.window.kernel_h == k && back.window.stride_h == s &&
                            back.window.stride_w == s2 && back.window.pad_h == p &&
                            back.window.pad_w == p));
                // The mode read back gives the same windows (ceil mode where both do).
                const Shape input{1, in, in + 1};
                BOOST_TEST((nin::pooled_shape(input, back.window, back.ceil_mode) ==
                            nin::pooled_shape(input, w, ceil_mode)));
                ++cases;
              }
            }
          }
  BOOST_TEST(cases > 1000);
  BOOST_TEST(ceil_cases > 100);
  BOOST_TEST(floor_cases > 100);
}

// Any ONNX attributes the import accepts compute what the nin window it maps them to computes.
BOOST_AUTO_TEST_CASE(accepted_attributes_compute_nin_pooling) {
  int accepted = 0, refused = 0, floor_mode = 0;
  for (std::int64_t in = 1; in <= 9; ++in)
    for (std::int64_t k = 1; k <= 4; ++k)
      for (std::int64_t s = 1; s <= 3; ++s)
        for (std::int64_t pb = 0; pb <= k; ++pb)
          for (std::int64_t pe = 0; pe <= k; ++pe)
            for (const bool ceil_mode : {false, true})
              for (const bool include_pad : {false, true}) {
                const OnnxAxis a{in, k, s, pb, pe};
                if (reference_output_size(a, ceil_mode) < 1) continue;
                nin::OnnxPooling o;
                o.kernel_h = o.kernel_w = k;
                o.stride_h = o.stride_w = s;
                o.pad_top = o.pad_left = pb;
                o.pad_bottom = o.pad_right = pe;
                o.ceil_mode = ceil_mode;
                o.count_include_pad = include_pad;
                const auto x = nin::test::random_ints(in * in, 7 + in, -50, 50);
                for (const bool average : {false, true}) {
                  const nin::PoolingMatch m = nin::nin_window_for(o, in, in, average);
                  if (!m.problem.empty()) {
                    ++refused;
                    continue;
                  }
                  ++accepted;
                  if (!m.ceil_mode) ++floor_mode;
                  BOOST_TEST_CONTEXT("in " << in << " k " << k << " s " << s << " pads " << pb
                                           << "," << pe << " ceil " << ceil_mode << " include_pad "
                                           << include_pad << (average ? " avg" : " max")) {
                    BOOST_TEST(reference_pool(x, a, a, ceil_mode, average, include_pad) ==
                               nin_pool(x, average, m.window, m.ceil_mode, in, in));
                  }
                }
              }
  BOOST_TEST(accepted > 1000);
  BOOST_TEST(floor_mode > 100);
  BOOST_TEST(refused > 1000);
}

BOOST_AUTO_TEST_CASE(refusals_say_why) {
  nin::OnnxPooling o;
  o.kernel_h = o.kernel_w = 3;
  o.stride_h = o.stride_w = 2;
  o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = 1;
  o.count_include_pad = true;
  o.ceil_mode = true;
  check_message(
      nin::nin_window_for(o, 8, 8, true).problem,
      {"count_include_pad=1 counts cells outside the input along the height in its averages, nin "
       "only the input cells inside each window"});
  BOOST_TEST(nin::nin_window_for(o, 8, 8, false).problem == "");  // a maximum ignores it
  o.count_include_pad = false;
  o.ceil_mode =
      false;  // floor((8 + 1 + 1 − 3) / 2) + 1 = 4 windows: nin's floor mode, not ceil (5)
  nin::PoolingMatch match = nin::nin_window_for(o, 8, 8, false);
  BOOST_TEST(match.problem == "");
  BOOST_TEST(!match.ceil_mode);
  o.pad_top = o.pad_left = 0;
  o.pad_bottom = 3;  // floor((8 + 3 − 3) / 2) + 1 = 5 windows along the height
  check_message(nin::nin_window_for(o, 8, 8, false).problem,
                {"it gives 5 windows along the height, nin's pooling (padding 0) 4 in ceil mode, 3 "
                 "in floor mode"});
  o.kernel_h = o.stride_h = 2;  // floor((8 + 3 − 2) / 2) + 1 = 5; nin's windows tile the 8 rows
  check_message(
      nin::nin_window_for(o, 8, 8, false).problem,
      {"it gives 5 windows along the height, nin's pooling (padding 0) 4 in either mode"});
  o.kernel_h = 3;
  o.pad_bottom = 1;  // height floor((8 + 1 − 3) / 2) + 1 = 4: ceil mode; width 3: floor mode
  o.pad_right = 0;
  check_message(nin::nin_window_for(o, 8, 8, false).problem,
                {"it gives nin's ceil-mode windows along the height but its floor-mode windows "
                 "along the width; a nin pooling has one mode for both axes"});
  o.ceil_mode = true;  // the same with ceil rounding: 4 windows in both axes, nin's ceil mode
  match = nin::nin_window_for(o, 8, 8, false);
  BOOST_TEST(match.problem == "");
  BOOST_TEST(match.ceil_mode);
  o.pad_top = 3;
  check_message(nin::nin_window_for(o, 8, 8, false).problem,
                {"padding 3 along the height is not smaller than the kernel 3"});
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Networks

// A small network with every layer type: conv with and without bias, batch norm, ceil-mode
// pooling with padding (avg) and without (max, clipped last window), dropout, [3,1] kernels with
// [1,2] strides, global pooling.
const char* const kSmallNin = R"({
  "version": 1, "name": "small-onnx", "description": "for the ONNX tests",
  "input": {"channels": 3, "height": 13, "width": 11},
  "classes": 4, "class_names": ["cat", "dog", "bird", "fish, with a comma"],
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 6, "kernel": 3, "pad": 1,
     "init": {"type": "gaussian", "std": 0.05}, "lr_mult": 2, "bias_lr_mult": 3},
    {"name": "conv1_relu", "type": "relu"},
    {"name": "cccp1", "type": "convolution", "outputs": 6, "kernel": 1, "bias": false},
    {"name": "cccp1_bn", "type": "batch_norm", "eps": 0.001, "momentum": 0.05},
    {"name": "cccp1_relu", "type": "relu"},
    {"name": "pool1", "type": "avg_pool", "kernel": 3, "stride": 2, "pad": 1},
    {"name": "drop1", "type": "dropout", "ratio": 0.3},
    {"name": "pool2", "type": "max_pool", "kernel": 2, "stride": 2},
    {"name": "conv2", "type": "convolution", "outputs": 4, "kernel": [3, 1], "stride": [1, 2]},
    {"name": "gap", "type": "global_avg_pool"}
  ]
})";

// A fully connected head on image planes, a ReLU on the vector, and a bias-free classifier.
const char* const kFullyConnectedHead = R"({
  "input": {"channels": 2, "height": 7, "width": 6}, "classes": 3,
  "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 3},
    {"name": "conv1_relu", "type": "relu"},
    {"name": "fc1", "type": "fully_connected", "outputs": 5},
    {"name": "fc1_relu", "type": "relu"},
    {"name": "drop1", "type": "dropout"},
    {"name": "fc2", "type": "fully_connected", "outputs": 3, "bias": false}
  ]
})";

// A pooling window whose plain ceil rounding would add a window starting in the padding along the
// height but not along the width: exported in floor mode with the width's end padding extended.
const char* const kEdgePooling = R"({
  "input": {"channels": 1, "height": 6, "width": 6}, "classes": 2,
  "layers": [
    {"name": "conv", "type": "convolution", "outputs": 2, "kernel": 1},
    {"name": "pool", "type": "max_pool", "kernel": [2, 3], "stride": [3, 2]},
    {"name": "gap", "type": "global_avg_pool"}
  ]
})";

// Floor-mode pooling (PyTorch's default): pool1 and pool2 give fewer windows than ceil mode would,
// pool3 as many.
const char* const kFloorPooling = R"({
  "input": {"channels": 2, "height": 10, "width": 13}, "classes": 3,
  "layers": [
    {"name": "conv", "type": "convolution", "outputs": 3, "kernel": 1},
    {"name": "pool1", "type": "max_pool", "kernel": 3, "stride": 2, "ceil_mode": false},
    {"name": "pool2", "type": "avg_pool", "kernel": 3, "stride": 2, "pad": 1, "ceil_mode": false},
    {"name": "pool3", "type": "max_pool", "kernel": 2, "ceil_mode": false},
    {"name": "gap", "type": "global_avg_pool"}
  ]
})";

std::unique_ptr<Network> random_network(const char* json, std::uint64_t seed) {
  auto network = std::make_unique<Network>(nin::parse_network_spec(json, "onnx_test"), 1,
                                           nin::NetworkUse::inference);
  network->initialize(seed);
  std::uint64_t stream = seed * 100;
  for (const auto& p : network->parameters()) {
    const auto v = nin::test::random_reals(p.parameter->size(), ++stream, -1.5f, 1.5f);
    std::copy(v.begin(), v.end(), p.parameter->value);
  }
  nin::test::randomize_state(*network, stream);
  return network;
}

nin::ModelInfo sample_info(std::int64_t channels) {
  nin::ModelInfo info;
  for (std::int64_t c = 0; c < channels; ++c) {
    info.normalization.mean.push_back(127.123456f + static_cast<float>(c));
    info.normalization.std.push_back(63.0817f + 0.25f * static_cast<float>(c));
  }
  info.provenance = nin::test::sample_provenance(R"({"test_accuracy":0.9123,"epoch":3})");
  return info;
}

onnx::ModelProto parsed(const std::string& bytes) {
  onnx::ModelProto model;
  BOOST_REQUIRE(model.ParseFromString(bytes));
  return model;
}

std::string serialized(const onnx::ModelProto& model) {
  std::string bytes;
  BOOST_REQUIRE(model.SerializeToString(&bytes));
  return bytes;
}

// The exported model of small-onnx, to be changed by a test.
struct Exported {
  std::unique_ptr<Network> network = random_network(kSmallNin, 3);
  nin::ModelInfo info = sample_info(3);
  nin::OnnxExport exported = nin::export_onnx(*network, info, {});
  onnx::ModelProto model = parsed(exported.bytes);

  onnx::NodeProto& node(const std::string& name) {
    for (auto& n : *model.mutable_graph()->mutable_node())
      if (n.name() == name) return n;
    BOOST_FAIL("no node " << name);
    throw;
  }
  onnx::TensorProto& initializer(const std::string& name) {
    for (auto& t : *model.mutable_graph()->mutable_initializer())
      if (t.name() == name) return t;
    BOOST_FAIL("no initializer " << name);
    throw;
  }
  nin::ImportedModel import() const { return nin::import_onnx(serialized(model), "m.onnx"); }
};

bool same_bits(const std::vector<float>& a, const float* b) {
  return std::memcmp(a.data(), b, a.size() * sizeof(float)) == 0;
}

// Every tensor of `imported` holds the bits of the same tensor in `network`.
void check_same_tensors(const nin::ImportedModel& imported, Network& network) {
  std::size_t expected = 0;
  const auto check = [&](const std::string& layer, const std::string& name, const Dims& dims,
                         const float* values) {
    ++expected;
    const auto found = std::find_if(
        imported.tensors.begin(), imported.tensors.end(),
        [&](const nin::ImportedTensor& t) { return t.layer == layer && t.name == name; });
    BOOST_TEST_REQUIRE((found != imported.tensors.end()), layer << "/" << name << " missing");
    BOOST_TEST(found->dims == dims);
    BOOST_TEST(same_bits(found->values, values), layer << "/" << name << " differs");
  };
  for (const auto& p : network.parameters())
    check(p.layer, p.parameter->name, p.parameter->dims, p.parameter->value);
  for (const auto& s : network.state())
    check(s.layer, s.state->name, s.state->dims, s.state->value);
  BOOST_TEST(imported.tensors.size() == expected);
}

// The imported tensors load into a network that computes what `network` computes, bit for bit, on
// one random image.
void check_same_logits(const nin::ImportedModel& imported, Network& network, std::uint64_t seed) {
  Network copy(imported.spec, 1, nin::NetworkUse::inference);
  imported.copy_into(copy);
  const auto image = nin::test::random_reals(network.spec().input.elements(), seed, -2, 2);
  network.forward(image.data(), 1, nin::Phase::eval);
  copy.forward(image.data(), 1, nin::Phase::eval);
  const auto classes = static_cast<std::size_t>(network.spec().classes);
  std::vector<float> a(classes), b(classes);
  network.copy_logits(a.data());
  copy.copy_logits(b.data());
  BOOST_TEST(a == b, boost::test_tools::per_element());
}

std::map<std::string, Dims> inferred_shapes(onnx::ModelProto model) {
  onnx::ShapeInferenceOptions options{true, 1, false};  // check types, throw on errors
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  std::map<std::string, Dims> shapes;
  for (const auto& info : model.graph().value_info()) {
    Dims dims;
    for (const auto& d : info.type().tensor_type().shape().dim())
      dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    shapes[info.name()] = dims;
  }
  return shapes;
}

BOOST_AUTO_TEST_SUITE(onnx_export)

BOOST_AUTO_TEST_CASE(the_model_passes_the_checker_and_lists_its_nodes) {
  Exported e;
  BOOST_CHECK_NO_THROW(onnx::checker::check_model(e.model));
  BOOST_TEST(e.model.ir_version() == nin::kOnnxIrVersion);
  BOOST_TEST(e.model.opset_import(0).version() == 13);
  std::vector<std::string> ops;
  for (const auto& n : e.exported.nodes) ops.push_back(n.op_type + " " + n.name);
  const std::vector<std::string> expected = {"Sub normalization/sub",
                                             "Div normalization/div",
                                             "Conv conv1",
                                             "Relu conv1_relu",
                                             "Conv cccp1",
                                             "BatchNormalization cccp1_bn",
                                             "Relu cccp1_relu",
                                             "AveragePool pool1",
                                             "MaxPool pool2",
                                             "Conv conv2",
                                             "GlobalAveragePool gap",
                                             "Flatten output/flatten"};
  BOOST_TEST(ops == expected, boost::test_tools::per_element());
  BOOST_TEST(e.exported.dropped == std::vector<std::string>{"drop1"});
  const auto& graph = e.model.graph();
  BOOST_TEST(graph.input(0).name() == "input");
  BOOST_TEST(graph.output(0).name() == "logits");
  BOOST_TEST(graph.input(0).type().tensor_type().shape().dim(0).dim_param() == "batch");
}

// ONNX 1.12's shape inference, which rounds ceil mode without dropping a window, agrees with nin
// on every activation.
BOOST_DATA_TEST_CASE(shape_inference_agrees_with_nin,
                     boost::unit_test::data::make({kSmallNin, kEdgePooling, kFloorPooling}), json) {
  auto network = random_network(json, 4);
  const auto model = parsed(nin::export_onnx(*network, {}, {}).bytes);
  const auto shapes = inferred_shapes(model);
  for (const auto& layer : network->spec().layers) {
    if (layer.type == "dropout") continue;
    const auto found = shapes.find(layer.name + "/output");
    BOOST_TEST_REQUIRE((found != shapes.end()), layer.name);
    const Dims expected = {-1, layer.output.channels, layer.output.height, layer.output.width};
    BOOST_TEST(found->second == expected, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(ceil_mode_where_unambiguous_else_floor) {
  Exported e;
  const auto attribute = [&](const std::string& node, const std::string& name) {
    for (const auto& a : e.node(node).attribute())
      if (a.name() == name) return a;
    BOOST_FAIL("no attribute " << name);
    throw;
  };
  BOOST_TEST(attribute("pool1", "ceil_mode").i() == 1);
  BOOST_TEST(attribute("pool1", "count_include_pad").i() == 0);
  auto edge = random_network(kEdgePooling, 1);
  const auto model = parsed(nin::export_onnx(*edge, {}, {}).bytes);
  for (const auto& n : model.graph().node())
    if (n.name() == "pool")
      for (const auto& a : n.attribute()) {
        // Height: ceil((6 − 2)/3) + 1 = 3 windows would start one at 6, past the input; floor
        // rounding gives nin's 2. Width: nin's ceil((6 − 3)/2) + 1 = 3 windows start at 0, 2, 4;
        // floor rounding reaches the last (cells 4..6) with one cell of end padding.
        if (a.name() == "ceil_mode") BOOST_TEST(a.i() == 0);
        if (a.name() == "pads")
          BOOST_TEST(Dims(a.ints().begin(), a.ints().end()) == Dims({0, 0, 0, 1}));
      }
}

// nin's floor mode is ONNX's floor mode with the same pads.
BOOST_AUTO_TEST_CASE(floor_mode_exports_as_floor_mode_with_nin_pads) {
  auto network = random_network(kFloorPooling, 1);
  const auto model = parsed(nin::export_onnx(*network, {}, {}).bytes);
  std::map<std::string, Dims> pads;
  for (const auto& n : model.graph().node())
    for (const auto& a : n.attribute()) {
      if (a.name() == "ceil_mode") BOOST_TEST(a.i() == 0, n.name());
      if (a.name() == "pads") pads[n.name()] = Dims(a.ints().begin(), a.ints().end());
    }
  BOOST_TEST(pads.at("pool1") == Dims({0, 0, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(pads.at("pool2") == Dims({1, 1, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(pads.at("pool3") == Dims({0, 0, 0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(metadata_holds_spec_class_names_and_provenance) {
  Exported e;
  std::map<std::string, std::string> metadata;
  for (const auto& p : e.model.metadata_props()) metadata[p.key()] = p.value();
  BOOST_TEST(metadata.at("nin.spec") == nin::to_json_text(e.network->spec()));
  const std::string names = R"(["cat","dog","bird","fish, with a comma"])";
  BOOST_TEST(metadata.at("nin.class_names") == names);
  BOOST_TEST(metadata.at("class_names") == names);
  check_message(metadata.at("nin.provenance"),
                {R"("tool_version":"nin-train 0.1.0")", R"("epochs":42)",
                 R"("metrics":{"test_accuracy":0.9123,"epoch":3})"});
}

BOOST_AUTO_TEST_CASE(softmax_gives_probabilities) {
  auto network = random_network(kSmallNin, 2);
  const auto result = nin::export_onnx(*network, {}, {true});
  const auto model = parsed(result.bytes);
  BOOST_CHECK_NO_THROW(onnx::checker::check_model(model));
  BOOST_TEST(model.graph().output(0).name() == "probabilities");
  BOOST_TEST(result.nodes.back().op_type == "Softmax");
  BOOST_TEST(result.nodes.front().op_type == "Conv");  // no normalisation to apply
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(onnx_import)

BOOST_DATA_TEST_CASE(export_then_import_gives_everything_back,
                     boost::unit_test::data::make({false, true}), softmax) {
  auto network = random_network(kSmallNin, 9);
  const nin::ModelInfo info = sample_info(3);
  const auto exported = nin::export_onnx(*network, info, {softmax});
  const nin::ImportedModel imported = nin::import_onnx(exported.bytes, "m.onnx");
  BOOST_TEST(imported.spec_from_metadata);
  BOOST_TEST(nin::to_json_text(imported.spec) == nin::to_json_text(network->spec()));
  check_same_tensors(imported, *network);
  BOOST_TEST(imported.info.normalization.mean == info.normalization.mean);
  BOOST_TEST(imported.info.normalization.std == info.normalization.std);
  const nin::Provenance& p = imported.info.provenance;
  BOOST_TEST(p.tool_version == info.provenance.tool_version);
  BOOST_TEST(p.dataset == info.provenance.dataset);
  BOOST_TEST(p.epochs == info.provenance.epochs);
  BOOST_TEST(p.seed == info.provenance.seed);
  BOOST_TEST(p.metrics_json == info.provenance.metrics_json);
  BOOST_TEST(p.created == info.provenance.created);
  BOOST_TEST(imported.notes.size() == (softmax ? 1u : 0u));

  check_same_logits(imported, *network, 5);
}

// Fully connected layers export as Flatten + Gemm (transB=1) and come back, with the metadata and
// from the graph alone, with the same tensors and logits.
BOOST_AUTO_TEST_CASE(fully_connected_layers_come_back) {
  auto network = random_network(kFullyConnectedHead, 12);
  const auto exported = nin::export_onnx(*network, {}, {});
  std::vector<std::string> ops;
  for (const auto& n : exported.nodes) ops.push_back(n.op_type);
  const std::vector<std::string> expected_ops = {"Conv", "Relu", "Flatten", "Gemm",
                                                 "Relu", "Gemm", "Flatten"};
  BOOST_TEST(ops == expected_ops, boost::test_tools::per_element());
  const nin::ImportedModel imported = nin::import_onnx(exported.bytes, "m.onnx");
  BOOST_TEST(imported.spec_from_metadata);
  BOOST_TEST(nin::to_json_text(imported.spec) == nin::to_json_text(network->spec()));
  check_same_tensors(imported, *network);
  check_same_logits(imported, *network, 5);

  onnx::ModelProto model = parsed(exported.bytes);
  model.clear_metadata_props();
  const nin::ImportedModel derived = nin::import_onnx(serialized(model), "m.onnx");
  BOOST_TEST(!derived.spec_from_metadata);
  BOOST_TEST(derived.spec.layers[2].type == "fully_connected");
  BOOST_TEST(derived.spec.layers[2].outputs == 5);
  BOOST_TEST(!derived.spec.layers.back().bias);
  check_same_tensors(derived, *network);
}

// Floor-mode pooling comes back in floor mode: from the metadata as it was, from the graph alone
// in floor mode where ceil mode would give other windows (pool1: 4 rows, ceil mode 5; pool2: 2×3,
// ceil mode 3×4) and in the node's own mode where both give the same (pool3: 1×2), so that it also
// behaves like the node on other input sizes.
BOOST_AUTO_TEST_CASE(floor_mode_pooling_comes_back) {
  auto network = random_network(kFloorPooling, 6);
  auto exported = parsed(nin::export_onnx(*network, {}, {}).bytes);
  const nin::ImportedModel with_metadata = nin::import_onnx(serialized(exported), "m.onnx");
  BOOST_TEST(with_metadata.spec_from_metadata);
  BOOST_TEST(nin::to_json_text(with_metadata.spec) == nin::to_json_text(network->spec()));
  exported.clear_metadata_props();
  const nin::ImportedModel imported = nin::import_onnx(serialized(exported), "m.onnx");
  const auto& layers = imported.spec.layers;
  BOOST_TEST_REQUIRE(layers.size() == 5u);
  BOOST_TEST(!layers[1].ceil_mode);
  BOOST_TEST((layers[1].output == (Shape{3, 4, 6})));
  BOOST_TEST(!layers[2].ceil_mode);
  BOOST_TEST((layers[2].output == (Shape{3, 2, 3})));
  BOOST_TEST(!layers[3].ceil_mode);
  BOOST_TEST((layers[3].output == (Shape{3, 1, 2})));
  check_same_tensors(imported, *network);
  check_same_logits(with_metadata, *network, 8);
  check_same_logits(imported, *network, 8);
}

// A node in floor mode where nin's spec says ceil mode: the graph wins, with a note.
BOOST_AUTO_TEST_CASE(floor_mode_of_other_exporters_imports_in_floor_mode) {
  Exported e;
  // pool2 in floor mode: floor((7 − 2) / 2) + 1 = 3 windows along the height, ceil mode 4.
  for (auto& a : *e.node("pool2").mutable_attribute())
    if (a.name() == "ceil_mode") a.set_i(0);
  const nin::ImportedModel imported = e.import();
  BOOST_TEST(!imported.spec_from_metadata);
  BOOST_TEST_REQUIRE(imported.notes.size() == 1u);
  check_message(imported.notes[0], {"differs from the graph in its layer 'pool2'"});
  BOOST_TEST(!imported.spec.layers[6].ceil_mode);
  BOOST_TEST((imported.spec.layers[6].output == (Shape{6, 3, 3})));
  BOOST_TEST(imported.spec.layers[5].ceil_mode);  // pool1 as exported
}

BOOST_AUTO_TEST_CASE(without_metadata_the_spec_comes_from_the_graph) {
  Exported e;
  e.model.clear_metadata_props();
  const nin::ImportedModel imported = e.import();
  BOOST_TEST(!imported.spec_from_metadata);
  std::vector<std::string> names;
  for (const auto& l : imported.spec.layers) names.push_back(l.name);
  const std::vector<std::string> expected = {
      "conv1", "conv1_relu", "cccp1", "cccp1_bn", "cccp1_relu", "pool1", "pool2", "conv2", "gap"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
  BOOST_TEST(imported.spec.class_names == std::vector<std::string>({"0", "1", "2", "3"}));
  BOOST_TEST(imported.spec.layers[3].bn_eps == 0.001);  // the float read back as its decimal
  BOOST_TEST(imported.spec.layers[3].bn_momentum == 0.05);
  BOOST_TEST(imported.spec.layers[5].window.pad_h == 1);
  BOOST_TEST(imported.spec.name == "m");
  BOOST_TEST(imported.info.provenance.tool_version == "nin " NIN_VERSION);
  check_same_tensors(imported, *e.network);
}

BOOST_AUTO_TEST_CASE(metadata_that_contradicts_the_graph_is_ignored_with_a_note) {
  Exported e;
  for (auto& p : *e.model.mutable_metadata_props())
    if (p.key() == "nin.spec") {
      std::string spec = p.value();
      spec.replace(spec.find("\"outputs\": 6"), 12, "\"outputs\": 7");
      p.set_value(spec);
    }
  const nin::ImportedModel imported = e.import();
  BOOST_TEST(!imported.spec_from_metadata);
  BOOST_TEST_REQUIRE(imported.notes.size() == 1u);
  check_message(imported.notes[0], {"nin.spec", "differs from the graph in its layer 'conv1'"});
  // The class names still come from the metadata.
  BOOST_TEST(imported.spec.class_names[3] == "fish, with a comma");
}

// What torch.onnx.export writes: node names with '/', Identity nodes of initializers, a Constant
// for a Reshape's shape, Dropout, a Pad adding nothing, a final Softmax, the initializers also
// listed as inputs (older exporters), a fixed batch of 1.
BOOST_AUTO_TEST_CASE(graphs_as_other_exporters_write_them) {
  Exported e;
  e.model.clear_metadata_props();
  onnx::GraphProto& graph = *e.model.mutable_graph();
  graph.mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(0)
      ->set_dim_value(1);
  for (const auto& t : graph.initializer()) {
    auto* input = graph.add_input();
    input->set_name(t.name());
    auto* type = input->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    for (const auto d : t.dims()) type->mutable_shape()->add_dim()->set_dim_value(d);
  }
  e.node("conv1").set_name("/features/features.0/Conv");
  // conv2's bias reached through an Identity.
  onnx::NodeProto identity;
  identity.set_op_type("Identity");
  identity.set_name("Identity_0");
  identity.add_input("conv2/bias");
  identity.add_output("onnx::Conv_99");
  e.node("conv2").set_input(2, "onnx::Conv_99");
  // Dropout with a mask output, and a Pad of zeros, after pool2.
  onnx::NodeProto dropout;
  dropout.set_op_type("Dropout");
  dropout.set_name("/drop/Dropout");
  dropout.add_input("pool2/output");
  dropout.add_output("dropped");
  dropout.add_output("mask");
  onnx::NodeProto pads;
  pads.set_op_type("Constant");
  pads.add_output("pads");
  auto* value = pads.add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  value->mutable_t()->add_dims(8);
  for (int i = 0; i < 8; ++i) value->mutable_t()->add_int64_data(0);
  onnx::NodeProto pad;
  pad.set_op_type("Pad");
  pad.set_name("/pad/Pad");
  pad.add_input("dropped");
  pad.add_input("pads");
  pad.add_output("padded");
  e.node("conv2").set_input(0, "padded");
  // Reshape to [-1, 4] with a Constant shape, then Softmax, instead of Flatten.
  onnx::NodeProto shape;
  shape.set_op_type("Constant");
  shape.set_name("/Constant");
  shape.add_output("shape");
  auto* ints = shape.add_attribute();
  ints->set_name("value_ints");
  ints->set_type(onnx::AttributeProto::INTS);
  ints->add_ints(-1);
  ints->add_ints(4);
  onnx::NodeProto& flatten = e.node("output/flatten");
  flatten.set_op_type("Reshape");
  flatten.clear_attribute();
  flatten.add_input("shape");
  flatten.set_output(0, "flat");
  onnx::NodeProto softmax;
  softmax.set_op_type("Softmax");
  softmax.set_name("/Softmax");
  softmax.add_input("flat");
  softmax.add_output("logits");

  // Rebuild the node list in order.
  std::vector<onnx::NodeProto> nodes(graph.node().begin(), graph.node().end());
  graph.clear_node();
  *graph.add_node() = identity;
  *graph.add_node() = shape;
  for (const auto& n : nodes) {
    if (n.name() == "conv2") {
      *graph.add_node() = dropout;
      *graph.add_node() = pads;
      *graph.add_node() = pad;
    }
    *graph.add_node() = n;
  }
  *graph.add_node() = softmax;
  try {
    onnx::checker::check_model(e.model);
  } catch (const std::exception& error) {
    BOOST_ERROR("onnx::checker: " << error.what());
  }

  const nin::ImportedModel imported = e.import();
  std::vector<std::string> names;
  for (const auto& l : imported.spec.layers) names.push_back(l.name);
  const std::vector<std::string> expected = {"features_features.0_Conv",
                                             "conv1_relu",
                                             "cccp1",
                                             "cccp1_bn",
                                             "cccp1_relu",
                                             "pool1",
                                             "pool2",
                                             "drop_Dropout",
                                             "conv2",
                                             "gap"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(imported.notes.size() == 1u);
  check_message(imported.notes[0], {"Softmax '/Softmax'", "left out"});
  Network network(imported.spec, 1, nin::NetworkUse::inference);
  BOOST_CHECK_NO_THROW(imported.copy_into(network));
}

// ---- Refusals: each a FormatError naming the file and what is wrong.

template <typename E = nin::FormatError>
void check_refused(const std::string& bytes, const std::vector<std::string>& parts) {
  try {
    nin::import_onnx(bytes, "m.onnx");
    BOOST_ERROR("no exception; expected one with: " << parts.front());
  } catch (const E& e) {
    BOOST_TEST_MESSAGE("message: " << e.what());
    std::vector<std::string> all = {"'m.onnx': "};
    all.insert(all.end(), parts.begin(), parts.end());
    check_message(e.what(), all);
  } catch (const std::exception& e) {
    BOOST_ERROR("wrong exception type: " << e.what());
  }
}

void check_refused(const Exported& e, const std::vector<std::string>& parts) {
  check_refused(serialized(e.model), parts);
}

BOOST_AUTO_TEST_CASE(not_onnx_and_truncated) {
  check_refused("this is a text file\n", {"not an ONNX model"});
  check_refused(std::string(), {"not an ONNX model (no IR version or no graph)"});
  const Exported e;
  const std::string bytes = serialized(e.model);
  check_refused(bytes.substr(0, bytes.size() / 2), {"truncated or damaged ONNX model"});
}

BOOST_AUTO_TEST_CASE(an_unsupported_op_is_named) {
  Exported e;
  e.node("conv1_relu").set_op_type("LRN");
  check_refused(e, {"LRN 'conv1_relu': unsupported op", "Conv, Relu, MaxPool"});
  e.node("conv1_relu").set_op_type("Relu");
  e.node("conv1_relu").set_domain("com.example");
  check_refused(e, {"com.example::Relu 'conv1_relu': unsupported op"});
}

BOOST_AUTO_TEST_CASE(grouped_and_dilated_convolutions) {
  Exported e;
  for (auto& a : *e.node("conv2").mutable_attribute())
    if (a.name() == "group") a.set_i(2);
  check_refused(e, {"Conv 'conv2': group 2 (a grouped convolution) is not supported"});
  for (auto& a : *e.node("conv2").mutable_attribute()) {
    if (a.name() == "group") a.set_i(1);
    if (a.name() == "dilations") a.set_ints(0, 2);
  }
  check_refused(e, {"Conv 'conv2': dilations [2,1] are not supported"});
}

BOOST_AUTO_TEST_CASE(two_inputs) {
  Exported e;
  *e.model.mutable_graph()->add_input() = e.model.graph().input(0);
  e.model.mutable_graph()->mutable_input(1)->set_name("second");
  check_refused(e, {"the graph has 2 inputs ('input', 'second')", "takes one"});
}

BOOST_AUTO_TEST_CASE(tensors_whose_shape_contradicts_the_graph) {
  Exported e;
  // conv2 reads 6 channels; claim 5 (and keep the data consistent with the claim).
  onnx::TensorProto& w = e.initializer("conv2/weight");
  w.set_dims(1, 5);
  w.mutable_raw_data()->resize(4 * 5 * 3 * 1 * 4);
  check_refused(e, {"Conv 'conv2': weight 'conv2/weight' is [4,5,3,1], but the input has 6 "
                    "channels (expected [4,6,3,1])"});
  w.set_dims(1, 6);
  check_refused(e, {"weight 'conv2/weight' has dims [4,6,3,1] (72 values, 288 bytes) but holds "
                    "240 bytes"});
  w.mutable_raw_data()->resize(288);
  e.initializer("cccp1_bn/running_var").set_dims(0, 5);
  check_refused(e, {"BatchNormalization 'cccp1_bn': var 'cccp1_bn/running_var' is [5], but the "
                    "input has 6 channels"});
  e.initializer("cccp1_bn/running_var").set_dims(0, 6);
  e.initializer("conv1/bias").set_dims(0, 7);
  check_refused(e, {"Conv 'conv1': bias 'conv1/bias' is [7], expected [6]"});
  e.initializer("conv1/bias").set_dims(0, -1);
  check_refused(e, {"bias 'conv1/bias' has a negative dimension -1"});
  e.initializer("conv1/bias").set_dims(0, 6);
  e.initializer("conv1/weight").set_data_type(onnx::TensorProto::DOUBLE);
  check_refused(e, {"weight 'conv1/weight' is float64, expected float32"});
}

BOOST_AUTO_TEST_CASE(absurd_dims_are_refused_before_allocating) {
  Exported e;
  onnx::TensorProto& w = e.initializer("conv1/weight");
  w.set_dims(0, 1ll << 40);
  w.set_dims(1, 1ll << 40);
  check_refused(e, {"weight 'conv1/weight' has dims", "more than 2^31 values"});
}

// Pads beyond a spec's limit once wrapped the padded size and made a convolution write past its
// buffers; they are refused like a JSON spec's.
BOOST_AUTO_TEST_CASE(huge_pads_and_strides_are_refused) {
  Exported e;
  for (auto& a : *e.node("conv1").mutable_attribute())
    if (a.name() == "pads")
      for (int i = 0; i < 4; ++i) a.set_ints(i, std::int64_t{1} << 62);
  check_refused(e, {"Conv 'conv1': pads [4611686018427387904,", "exceed nin's limit of 65536"});
  for (auto& a : *e.node("conv1").mutable_attribute())
    if (a.name() == "pads")
      for (int i = 0; i < 4; ++i) a.set_ints(i, 65537);
  check_refused(e, {"Conv 'conv1': pads [65537,65537,65537,65537] exceed nin's limit of 65536"});
  Exported pool;
  for (auto& a : *pool.node("pool2").mutable_attribute())
    if (a.name() == "strides") a.set_ints(0, std::int64_t{1} << 62);
  check_refused(pool, {"MaxPool 'pool2': strides [4611686018427387904,2] exceed nin's limit"});
}

BOOST_AUTO_TEST_CASE(a_nan_weight_is_refused_when_copied_into_a_network) {
  Exported e;
  std::string& raw = *e.initializer("cccp1/weight").mutable_raw_data();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(raw.data() + 5 * sizeof(float), &nan, sizeof nan);
  const nin::ImportedModel imported = e.import();
  Network network(imported.spec, 1, nin::NetworkUse::inference);
  try {
    imported.copy_into(network);
    BOOST_ERROR("no exception for a NaN weight");
  } catch (const nin::FormatError& error) {
    check_message(error.what(),
                  {"'m.onnx': layer 'cccp1': weight holds a non-finite value (NaN) at index 5"});
  }
}

BOOST_AUTO_TEST_CASE(pooling_nin_cannot_reproduce) {
  Exported e;
  auto& pool = e.node("pool1");
  auto* include = pool.add_attribute();
  include->set_name("count_include_pad");
  include->set_type(onnx::AttributeProto::INT);
  include->set_i(1);
  pool.mutable_attribute()->erase(pool.mutable_attribute()->begin() + 4);  // the old value 0
  check_refused(e, {"AveragePool 'pool1' (input 6×13×11): count_include_pad=1",
                    "; nin cannot reproduce it exactly"});
  for (auto& a : *pool.mutable_attribute())
    if (a.name() == "count_include_pad") a.set_i(0);
  // pool2 with 3 bottom pads in floor mode: floor((7 + 3 − 2) / 2) + 1 = 5 windows along the
  // height, nin's ceil mode gives 4 and its floor mode 3.
  for (auto& a : *e.node("pool2").mutable_attribute()) {
    if (a.name() == "ceil_mode") a.set_i(0);
    if (a.name() == "pads") a.set_ints(2, 3);
  }
  check_refused(e, {"MaxPool 'pool2' (input 6×7×6): it gives 5 windows along the height, nin's "
                    "pooling (padding 0) 4 in ceil mode, 3 in floor mode; nin cannot reproduce it "
                    "exactly"});
}

BOOST_AUTO_TEST_CASE(other_graphs_that_do_not_map) {
  {
    Exported e;
    for (auto& a : *e.node("conv1").mutable_attribute())
      if (a.name() == "pads") a.set_ints(2, 2);
    check_refused(e, {"Conv 'conv1': pads [1,1,2,1] differ at the two ends"});
  }
  {
    Exported e;  // Flatten in place of global pooling: 16 values per image, not one per class
    onnx::NodeProto& gap = e.node("gap");
    gap.set_op_type("Flatten");
    check_refused(e, {"the graph ends with 4×2×2 values per image", "one value per class"});
  }
  {
    Exported e;  // a node off the chain
    auto* extra = e.model.mutable_graph()->add_node();
    extra->set_op_type("Relu");
    extra->set_name("stray");
    extra->add_input("conv1/output");
    extra->add_output("stray_out");
    check_refused(e, {"Relu 'stray' is not on the path from the input to the output"});
  }
  {
    Exported e;
    e.model.mutable_opset_import(0)->set_version(99);
    check_refused(e, {"opset 99 is not one nin reads"});
  }
  {
    Exported e;
    auto* pads = e.node("pool2").mutable_attribute();
    for (auto& a : *pads)
      if (a.name() == "pads") a.set_ints(0, 2);
    check_refused(
        e, {"MaxPool 'pool2'", "padding 2 along the height is not smaller than the kernel 2"});
  }
  {
    Exported e;
    onnx::TensorProto& w = e.initializer("conv1/weight");
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    check_refused(e, {"weight 'conv1/weight' is stored in an external file"});
  }
  {
    Exported e;  // the normalisation after the first layer
    e.node("conv1_relu").set_op_type("Sub");
    e.node("conv1_relu").add_input("input/mean");
    check_refused(e, {"Sub 'conv1_relu': nin maps Sub and Div only as the input normalisation"});
  }
}

BOOST_AUTO_TEST_CASE(gemm_that_is_not_a_fully_connected_layer_is_refused) {
  auto network = random_network(kFullyConnectedHead, 12);
  const auto bytes = nin::export_onnx(*network, {}, {}).bytes;
  const auto node = [](onnx::ModelProto& m, const std::string& name) -> onnx::NodeProto& {
    for (auto& n : *m.mutable_graph()->mutable_node())
      if (n.name() == name) return n;
    throw std::logic_error("no node " + name);
  };
  {
    onnx::ModelProto m = parsed(bytes);
    auto* a = node(m, "fc1").add_attribute();
    a->set_name("transA");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(1);
    check_refused(serialized(m), {"Gemm 'fc1': nin maps Gemm with alpha 1, beta 1 and transA 0"});
  }
  {
    onnx::ModelProto m = parsed(bytes);  // Gemm straight on the image planes: no Flatten
    auto& nodes = *m.mutable_graph()->mutable_node();
    nodes.erase(std::find_if(nodes.begin(), nodes.end(),
                             [](const onnx::NodeProto& n) { return n.name() == "fc1/flatten"; }));
    node(m, "fc1").set_input(0, "conv1_relu/output");
    check_refused(serialized(m), {"Gemm 'fc1': reads 4×5×4 image planes",
                                  "nin maps Gemm on flattened features (after Flatten)"});
  }
  {
    onnx::ModelProto m = parsed(bytes);
    node(m, "fc1").mutable_attribute(0)->set_i(0);  // transB=0 reads the [5,80] weight as [in,out]
    check_refused(serialized(m), {"Gemm 'fc1': weight 'fc1/weight' is [5,80], but the input has "
                                  "80 features (expected [80,outputs])"});
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_io_error) {
  BOOST_CHECK_THROW(nin::import_onnx(std::filesystem::path("/nonexistent/m.onnx")), nin::IoError);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
