// Network specs: the presets against the reference counts, output-size arithmetic, shape inference,
// every way parse_network_spec rejects a spec, and the transformations with_input / with_classes /
// to_json_text. Expected numbers come from /work/shared/reference/nin-architectures.md and the
// seed's table 4.4, or are computed by hand in the comments.

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/core/text_file.hpp"
#include "nin/layers/layer.hpp"
#include "nin/layers/layer_registry.hpp"
#include "nin/spec/layer_cost.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/spec/preset_catalog.hpp"

namespace nin {
// Lets Boost.Test print shapes and layer types in failed comparisons.
std::ostream& operator<<(std::ostream& out, const Shape& s) {
  return out << s.channels << "x" << s.height << "x" << s.width;
}
}  // namespace nin

namespace {

namespace bdata = boost::unit_test::data;
using nin::LayerSpec;
using nin::NetworkSpec;
using nin::Shape;

const std::filesystem::path kModels = NIN_TEST_MODELS_DIR;

nin::PresetCatalog catalog() {
  return nin::PresetCatalog({kModels});
}

NetworkSpec preset(const std::string& name) {
  return nin::load_network(name, catalog());
}

const LayerSpec& layer(const NetworkSpec& spec, std::string_view name) {
  const auto it = std::find_if(spec.layers.begin(), spec.layers.end(),
                               [&](const LayerSpec& l) { return l.name == name; });
  if (it == spec.layers.end())
    throw std::logic_error("no layer '" + std::string(name) + "' in " + spec.name);
  return *it;
}

// The layers a table shows: everything but the in-place ReLU and dropout.
std::vector<const LayerSpec*> table_layers(const NetworkSpec& spec) {
  std::vector<const LayerSpec*> out;
  for (const auto& l : spec.layers)
    if (!nin::works_in_place(l)) out.push_back(&l);
  return out;
}

using nin::test::check_message;
using nin::test::contains;

// -------------------------------------------------------------------------------------------------
// Presets against the reference

struct PresetTotals {
  std::string name;
  std::int64_t parameters;
  std::int64_t macs;
};
std::ostream& operator<<(std::ostream& out, const PresetTotals& p) {
  return out << p.name;
}

const std::vector<PresetTotals> kPresetTotals{
    {"table-4.4", 81'960, 56'753'408},
    {"nin-cifar10", 966'986, 222'486'528},
    {"nin-cifar100", 984'356, 223'592'448},
    {"nin-mnist", 349'674, 50'699'712},
    {"nin-svhn", 1'986'026, 274'235'392},
    {"nin-imagenet", 7'595'176, 1'100'188'800},
    {"nin-mnist-bn", 350'388, 50'699'712},
    {"nin-cifar10-bn", 968'404, 222'486'528},
    // The ablation, counted by hand from nin-mnist-bn's 350,388 and 50,699,712: the classifier on
    // 7×7×10 adds (490 + 1)·10 = 4,910 parameters and 4,900 MACs; the plain convolutions hold
    // 5·5·1·48 + 5·5·48·48 + 5·5·48·10 = 70,800 weights and 2·(48 + 48 + 10) = 212 scale/shift,
    // with 1,200·28·28 + 57,600·14·14 + 12,000·7·7 MACs.
    {"nin-mnist-bn-fc", 355'298, 50'704'612},
    {"nin-mnist-bn-fc-dropout", 355'298, 50'704'612},
    {"nin-mnist-bn-linear", 71'012, 12'818'400},
    {"nin-mnist-bn-light-dropout", 350'388, 50'699'712},
};

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& p : kPresetTotals) names.push_back(p.name);
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spec_presets)

BOOST_DATA_TEST_CASE(totals_match_reference, bdata::make(kPresetTotals), expected) {
  const auto spec = preset(expected.name);
  BOOST_TEST(spec.name == expected.name);
  const auto cost = nin::network_cost(spec);
  BOOST_TEST(cost.parameters == expected.parameters);
  BOOST_TEST(cost.macs == expected.macs);
  BOOST_TEST(spec.output() == (Shape{spec.classes, 1, 1}));
}

BOOST_AUTO_TEST_CASE(every_preset_has_reference_totals) {
  auto expected = preset_names();
  std::sort(expected.begin(), expected.end());
  const auto found = catalog().names();
  BOOST_TEST(found == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(table_4_4_rows_match_the_seed) {
  const auto spec = preset("table-4.4");
  BOOST_TEST(spec.input == (Shape{3, 32, 32}));
  BOOST_TEST(spec.classes == 100);
  struct Row {
    std::string name;
    std::string type;
    Shape output;
    std::int64_t parameters;
    std::int64_t macs;
  };
  // Outputs from the seed (written H×W×C there); MACs from the reference.
  const std::vector<Row> rows{
      {"L11", "convolution", {16, 30, 30}, 448, 388'800},
      {"L12", "convolution", {16, 30, 30}, 272, 230'400},
      {"L21", "convolution", {64, 28, 28}, 9'280, 7'225'344},
      {"L22", "convolution", {64, 28, 28}, 4'160, 3'211'264},
      {"L31", "convolution", {100, 26, 26}, 57'700, 38'937'600},
      {"L32", "convolution", {100, 26, 26}, 10'100, 6'760'000},
      {"GAP", "global_avg_pool", {100, 1, 1}, 0, 0},
  };
  const auto layers = table_layers(spec);
  BOOST_TEST_REQUIRE(layers.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST_CONTEXT("row " << rows[i].name) {
      const auto cost = nin::layer_cost(*layers[i]);
      BOOST_TEST(layers[i]->name == rows[i].name);
      BOOST_TEST(layers[i]->type == rows[i].type);
      BOOST_TEST(layers[i]->output == rows[i].output);
      BOOST_TEST(cost.parameters == rows[i].parameters);
      BOOST_TEST(cost.macs == rows[i].macs);
    }
  }
  // L12, L22 and L32 are the "full" (1×1) layers of the mlpconv blocks.
  BOOST_TEST(layer(spec, "L12").window.is_pointwise());
  BOOST_TEST(!layer(spec, "L11").window.is_pointwise());
}

BOOST_AUTO_TEST_CASE(nin_cifar10_layers_match_reference) {
  const auto spec = preset("nin-cifar10");
  struct Row {
    std::string name;
    Shape output;
    std::int64_t parameters;
    std::int64_t macs;
  };
  const std::vector<Row> rows{
      {"conv1", {192, 32, 32}, 14'592, 14'745'600},   {"cccp1", {160, 32, 32}, 30'880, 31'457'280},
      {"cccp2", {96, 32, 32}, 15'456, 15'728'640},    {"pool1", {96, 16, 16}, 0, 0},
      {"conv2", {192, 16, 16}, 460'992, 117'964'800}, {"cccp3", {192, 16, 16}, 37'056, 9'437'184},
      {"cccp4", {192, 16, 16}, 37'056, 9'437'184},    {"pool2", {192, 8, 8}, 0, 0},
      {"conv3", {192, 8, 8}, 331'968, 21'233'664},    {"cccp5", {192, 8, 8}, 37'056, 2'359'296},
      {"cccp6", {10, 8, 8}, 1'930, 122'880},          {"gap", {10, 1, 1}, 0, 0},
  };
  for (const auto& row : rows) {
    BOOST_TEST_CONTEXT("layer " << row.name) {
      const auto& l = layer(spec, row.name);
      const auto cost = nin::layer_cost(l);
      BOOST_TEST(l.output == row.output);
      BOOST_TEST(cost.parameters == row.parameters);
      BOOST_TEST(cost.macs == row.macs);
    }
  }
  BOOST_TEST(table_layers(spec).size() == rows.size());
  BOOST_TEST(spec.class_names.size() == 10u);
  BOOST_TEST(layer(spec, "cccp6").lr_mult == 0.1);
  BOOST_TEST(layer(spec, "conv1").init.std == 0.05);
  BOOST_TEST(layer(spec, "drop1").dropout_ratio == 0.5);
}

BOOST_AUTO_TEST_CASE(nin_cifar10_activations_per_image) {
  // Sum of the non-in-place outputs: 196,608 + 163,840 + 98,304 + 24,576 + 3 × 49,152 + 12,288 +
  // 3 × 12,288 + 640 + 10 = 668,298 floats (≈ 2.7 MB).
  BOOST_TEST(nin::network_cost(preset("nin-cifar10")).activation_elements == 668'298);
}

BOOST_AUTO_TEST_CASE(nin_imagenet_shapes) {
  const auto spec = preset("nin-imagenet");
  BOOST_TEST(layer(spec, "conv1").output == (Shape{96, 54, 54}));  // (224 − 11) / 4 + 1
  BOOST_TEST(layer(spec, "pool1").output == (Shape{96, 27, 27}));  // ceil(51 / 2) + 1
  BOOST_TEST(layer(spec, "conv2").output == (Shape{256, 27, 27}));
  BOOST_TEST(layer(spec, "pool2").output == (Shape{256, 13, 13}));  // ceil(24 / 2) + 1
  BOOST_TEST(layer(spec, "pool3").output == (Shape{384, 6, 6}));    // ceil(10 / 2) + 1
  BOOST_TEST(layer(spec, "cccp8").output == (Shape{1000, 6, 6}));
  BOOST_TEST(layer(spec, "gap").input == (Shape{1000, 6, 6}));
  BOOST_TEST(spec.output() == (Shape{1000, 1, 1}));
}

BOOST_AUTO_TEST_CASE(mnist_and_svhn_pool_to_seven_and_eight) {
  BOOST_TEST(layer(preset("nin-mnist"), "pool1").output == (Shape{48, 14, 14}));
  BOOST_TEST(layer(preset("nin-mnist"), "gap").input == (Shape{10, 7, 7}));
  BOOST_TEST(layer(preset("nin-svhn"), "gap").input == (Shape{10, 8, 8}));
  BOOST_TEST(layer(preset("nin-cifar100"), "gap").input == (Shape{100, 8, 8}));
}

BOOST_AUTO_TEST_CASE(batch_norm_variants) {
  // nin-mnist-bn: 348,960 bias-free convolution weights + 1,428 scale/shift = 350,388.
  const auto spec = preset("nin-mnist-bn");
  std::int64_t conv = 0, bn = 0;
  for (const auto& l : spec.layers) {
    if (l.type == "convolution") {
      BOOST_TEST(!l.bias, l.name);
      conv += nin::layer_cost(l).parameters;
    }
    if (l.type == "batch_norm") {
      BOOST_TEST(l.bn_momentum == 0.1);
      BOOST_TEST(l.bn_eps == 1e-5);
      bn += nin::layer_cost(l).parameters;
    }
  }
  BOOST_TEST(conv == 348'960);
  BOOST_TEST(bn == 1'428);
  // The last 1×1 convolution has batch norm and no ReLU before global average pooling.
  const auto& layers = spec.layers;
  BOOST_TEST_REQUIRE(layers.size() >= 3u);
  BOOST_TEST(layers[layers.size() - 3].name == "cccp6");
  BOOST_TEST(layers[layers.size() - 2].type == "batch_norm");
  BOOST_TEST(layers.back().type == "global_avg_pool");
}

BOOST_AUTO_TEST_CASE(layer_costs_of_parameter_free_layers) {
  const auto spec = preset("nin-cifar10-bn");
  BOOST_TEST(nin::layer_cost(layer(spec, "conv1_bn")).parameters == 2 * 192);
  BOOST_TEST(nin::layer_cost(layer(spec, "conv1_bn")).macs == 0);
  BOOST_TEST(nin::layer_cost(layer(spec, "conv1_bn")).activation_elements == 192 * 32 * 32);
  BOOST_TEST(nin::layer_cost(layer(spec, "conv1_relu")).activation_elements == 0);
  BOOST_TEST(nin::layer_cost(layer(spec, "drop1")).activation_elements == 0);
  BOOST_TEST(nin::layer_cost(layer(spec, "pool1")).parameters == 0);
  BOOST_TEST(nin::works_in_place(layer(spec, "conv1_relu")));
  BOOST_TEST(nin::works_in_place(layer(spec, "drop1")));
  BOOST_TEST(!nin::works_in_place(layer(spec, "conv1_bn")));
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------
// Output sizes

BOOST_AUTO_TEST_SUITE(output_size)

constexpr bool kCeil = true, kFloor = false;  // pooling_output_size's ceil_mode

BOOST_AUTO_TEST_CASE(convolution_floors) {
  BOOST_TEST(nin::convolution_output_size(32, 3, 1, 0) == 30);  // table 4.4's L11
  BOOST_TEST(nin::convolution_output_size(32, 5, 1, 2) == 32);  // "same" 5×5
  BOOST_TEST(nin::convolution_output_size(8, 3, 1, 1) == 8);
  BOOST_TEST(nin::convolution_output_size(224, 11, 4, 0) == 54);  // 213 / 4 = 53.25
  BOOST_TEST(nin::convolution_output_size(10, 3, 2, 0) == 4);     // 7 / 2 = 3.5, floor
  BOOST_TEST(nin::convolution_output_size(7, 2, 2, 0) == 3);      // the last column is dropped
  BOOST_TEST(nin::convolution_output_size(1, 1, 1, 0) == 1);
  BOOST_TEST(nin::convolution_output_size(3, 3, 1, 0) == 1);
}

BOOST_AUTO_TEST_CASE(pooling_uses_caffe_ceil_mode) {
  BOOST_TEST(nin::pooling_output_size(32, 3, 2, 0, kCeil) == 16);  // ceil(29 / 2) + 1; floor: 15
  BOOST_TEST(nin::pooling_output_size(16, 3, 2, 0, kCeil) == 8);
  BOOST_TEST(nin::pooling_output_size(28, 3, 2, 0, kCeil) == 14);
  BOOST_TEST(nin::pooling_output_size(14, 3, 2, 0, kCeil) == 7);
  BOOST_TEST(nin::pooling_output_size(54, 3, 2, 0, kCeil) == 27);
  BOOST_TEST(nin::pooling_output_size(27, 3, 2, 0, kCeil) == 13);  // exact: 24 / 2
  BOOST_TEST(nin::pooling_output_size(13, 3, 2, 0, kCeil) == 6);
  BOOST_TEST(nin::pooling_output_size(4, 2, 2, 0, kCeil) == 2);
  BOOST_TEST(nin::pooling_output_size(8, 8, 1, 0, kCeil) == 1);
}

BOOST_AUTO_TEST_CASE(pooling_clips_a_last_window_that_starts_in_the_right_padding) {
  // in 4, k 3, s 3, p 2: ceil((4 + 4 − 3) / 3) + 1 = 3, but the third window would start at
  // 2 × 3 = 6 ≥ 4 + 2, entirely in the right padding, so it is dropped.
  BOOST_TEST(nin::pooling_output_size(4, 3, 3, 2, kCeil) == 2);
  // in 1, k 2, s 2, p 1: ceil(1 / 2) + 1 = 2 windows, starting at −1 and 1; the second starts past
  // the single input cell ((2 − 1) × 2 ≥ 1 + 1), so only one remains.
  BOOST_TEST(nin::pooling_output_size(1, 2, 2, 1, kCeil) == 1);
  // in 7, k 2, s 2, p 1: ceil(7 / 2) + 1 = 5 windows, the fifth starting at 7, past the input.
  BOOST_TEST(nin::pooling_output_size(7, 2, 2, 1, kCeil) == 4);
  // Padded windows that still start inside the input are kept.
  BOOST_TEST(nin::pooling_output_size(5, 3, 2, 1, kCeil) == 3);  // starts −1, 1, 3
  BOOST_TEST(nin::pooling_output_size(4, 2, 2, 1, kCeil) == 3);  // starts −1, 1, 3
  BOOST_TEST(nin::pooling_output_size(6, 3, 2, 1, kCeil) == 4);  // ceil(5 / 2) + 1; the last at 5
}

BOOST_AUTO_TEST_CASE(pooling_never_starts_a_window_past_the_input) {
  // Stride larger than the kernel, no padding: ceil((5 − 1) / 3) + 1 = 3 would start a window at 6,
  // past the 5 inputs, covering nothing; the last window must start inside the input.
  BOOST_TEST(nin::pooling_output_size(5, 1, 3, 0, kCeil) == 2);
  BOOST_TEST(nin::pooling_output_size(7, 2, 3, 0, kCeil) == 3);  // starts 0, 3, 6: all inside
  for (std::int64_t input = 1; input <= 20; ++input)
    for (std::int64_t kernel = 1; kernel <= input; ++kernel)
      for (std::int64_t stride = 1; stride <= 5; ++stride)
        for (std::int64_t pad = 0; pad < kernel; ++pad) {
          const auto out = nin::pooling_output_size(input, kernel, stride, pad, kCeil);
          BOOST_TEST_CONTEXT("in " << input << " k " << kernel << " s " << stride << " p " << pad) {
            BOOST_TEST(out >= 1);
            // The last window starts inside the input or its left padding...
            BOOST_TEST((out - 1) * stride - pad < input);
            // ...and ceil mode adds at most one window to floor mode...
            const auto floor_mode = nin::pooling_output_size(input, kernel, stride, pad, kFloor);
            BOOST_TEST(out >= floor_mode);
            BOOST_TEST(out <= floor_mode + 1);
            // ...whose last window ends inside the input or its right padding, and so starts
            // inside the input; one more would end past the right padding.
            BOOST_TEST(floor_mode >= 1);
            BOOST_TEST((floor_mode - 1) * stride - pad + kernel <= input + pad);
            BOOST_TEST((floor_mode - 1) * stride - pad < input);
            BOOST_TEST(floor_mode * stride - pad + kernel > input + pad);
          }
        }
}

// PyTorch's and ONNX's default: floor((in + 2·pad − kernel) / stride) + 1, as a convolution.
BOOST_AUTO_TEST_CASE(pooling_in_floor_mode) {
  BOOST_TEST(nin::pooling_output_size(28, 3, 2, 0, kFloor) == 13);  // 25 / 2 = 12.5; ceil gives 14
  BOOST_TEST(nin::pooling_output_size(32, 3, 2, 0, kFloor) == 15);
  BOOST_TEST(nin::pooling_output_size(13, 2, 2, 0, kFloor) == 6);   // the last row is dropped
  BOOST_TEST(nin::pooling_output_size(27, 3, 2, 0, kFloor) == 13);  // exact: the same as ceil
  BOOST_TEST(nin::pooling_output_size(14, 3, 2, 1, kFloor) == 7);   // 13 / 2; ceil gives 8
  BOOST_TEST(nin::pooling_output_size(6, 3, 2, 1, kFloor) == 3);    // 5 / 2; ceil gives 4
  BOOST_TEST(nin::pooling_output_size(5, 1, 3, 0, kFloor) == 2);
  BOOST_TEST(nin::pooling_output_size(8, 8, 1, 0, kFloor) == 1);
  // Every small case: see pooling_never_starts_a_window_past_the_input.
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------
// Rejected specs

namespace {

const std::string kTop = R"("input": {"channels": 3, "height": 8, "width": 8}, "classes": 4)";
const std::string kConv =
    R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 3, "pad": 1})";
const std::string kRelu = R"({"name": "relu1", "type": "relu"})";
const std::string kGap = R"({"name": "gap", "type": "global_avg_pool"})";

// A spec with the given top-level fields (other than "layers") and layers.
std::string spec_text(const std::string& top, const std::string& layers) {
  return "{" + top + ", \"layers\": [" + layers + "]}";
}
std::string spec_text(const std::string& layers) {
  return spec_text(kTop, layers);
}

struct BadSpec {
  std::string what;
  std::string text;
  std::vector<std::string> message_parts;
};
std::ostream& operator<<(std::ostream& out, const BadSpec& s) {
  return out << s.what;
}

const std::vector<BadSpec> kBadSpecs{
    // Malformed JSON: positions worked out by hand.
    {"malformed: bad literal",
     "{\n  \"version\": 1,\n  \"name\": x\n}\n",  // x is the 11th character of line 3
     {"'test.json': malformed JSON at line 3, column 11: ", "invalid literal"}},
    {"malformed: truncated",
     "{\n  \"classes\": 4,\n",  // the input ends at line 3, column 1
     {"'test.json': malformed JSON at line 3, column 1: ", "unexpected end of input"}},
    {"malformed: empty", "", {"'test.json': malformed JSON at line 1, column 1: "}},
    {"malformed: trailing garbage", "{}\n}", {"malformed JSON at line 2, column 1: "}},
    {"malformed: columns count characters, not bytes",
     "{\n  \"description\": \"网络\" x\n}",  // 网 and 络 are 3 bytes each but one column
     {"malformed JSON at line 2, column 23: "}},
    {"not an object", "[1, 2]", {"'test.json': a network spec must be a JSON object"}},
    // nlohmann alone ends a document at a NUL byte and keeps the last of two equal keys.
    {"malformed: a NUL byte and garbage after the document",
     spec_text(kConv + ", " + kGap) + "\n" + std::string(1, '\0') + "{\"classes\": 9}",
     {"'test.json': malformed JSON at line 2, column 1: a NUL byte after the document"}},
    {"duplicate key at the top",
     spec_text(kTop + R"(, "classes": 5)", kConv + ", " + kGap),
     {"'test.json': key 'classes' appears twice in one object"}},
    {"duplicate key in a layer",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 4, "outputs": 5, )"
               R"("kernel": 3}, )" +
               kGap),
     {"'test.json': key 'outputs' appears twice in one object"}},

    // Unknown names.
    {"unknown layer type",
     spec_text(R"({"name": "cccp1", "type": "mlpconv"}, )" + kGap),
     {"'test.json': layer 'cccp1': unknown layer type 'mlpconv'; valid types: convolution, relu, "
      "max_pool, avg_pool, global_avg_pool, dropout, batch_norm"}},
    {"unknown convolution field",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernal": 3}, )" + kGap),
     {"'test.json': layer 'conv1': unknown field 'kernal'; valid fields: name, type, outputs, "
      "kernel, "
      "stride, pad, bias, init, lr_mult, bias_lr_mult"}},
    {"unknown pooling field",
     spec_text(kConv + R"(, {"name": "pool1", "type": "max_pool", "kernel": 2, "ceil": false}, )" +
               kGap),
     {"'test.json': layer 'pool1': unknown field 'ceil'; valid fields: name, type, kernel, stride, "
      "pad, ceil_mode"}},
    {"unknown relu field",
     spec_text(kConv + R"(, {"name": "relu1", "type": "relu", "ratio": 0.5}, )" + kGap),
     {"layer 'relu1': unknown field 'ratio'; valid fields: name, type"}},
    {"unknown top-level field",
     "{" + kTop + ", \"layer\": []}",
     {"'test.json': unknown field 'layer'; valid fields: version, name, description, input, "
      "classes, "
      "class_names, layers"}},
    {"unknown input field",
     spec_text(R"("input": {"channels": 3, "height": 8, "width": 8, "depth": 1}, "classes": 4)",
               kConv + ", " + kGap),
     {"'test.json': input: unknown field 'depth'; valid fields: channels, height, width"}},
    {"unknown init field",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1, "init": {"type": "kaiming", "std": 0.1}}, )" +
         kGap),
     {"layer 'conv1': init: unknown field 'std'; valid fields: type"}},
    {"unknown init type",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1, "init": {"type": "xavier"}}, )" +
         kGap),
     {"layer 'conv1': init: unknown type 'xavier'; valid types: gaussian, kaiming"}},
    {"gaussian init without std",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1, "init": {"type": "gaussian"}}, )" +
         kGap),
     {"layer 'conv1': init: gaussian needs a positive \"std\""}},

    // Impossible shapes.
    {"convolution kernel larger than its padded input",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 11, "pad": 1}, )" +
         kGap),
     {"'test.json': layer 'conv1' (convolution): kernel 11x11 is larger than its padded input "
      "10x10 "
      "(input 3x8x8)"}},
    {"pooling kernel larger than its input",
     spec_text(kConv + R"(, {"name": "pool1", "type": "max_pool", "kernel": [9, 2]}, )" + kGap),
     {"layer 'pool1' (max_pool): kernel 9x2 is larger than its padded input 8x8 (input 4x8x8)"}},
    {"pooling kernel larger than a downsampled input",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 3, "stride": 4}, {"name": "pool1", "type": "avg_pool", "kernel": 3}, )" +
         kGap),
     {"layer 'pool1' (avg_pool): kernel 3x3 is larger than its padded input 2x2 (input 4x2x2)"}},
    {"pooling pad not smaller than the kernel",
     spec_text(kConv + R"(, {"name": "pool1", "type": "max_pool", "kernel": 2, "pad": 2}, )" +
               kGap),
     {"layer 'pool1': pad 2x2 must be smaller than the kernel 2x2"}},
    {"last convolution's channels differ from the classes",
     spec_text(kConv +
               R"(, {"name": "cccp1", "type": "convolution", "outputs": 5, "kernel": 1}, )" +
               kRelu + ", " + kGap),
     {"'test.json': layer 'cccp1' gives 5 channels before global pooling 'gap', but the network "
      "has "
      "4 classes"}},
    {"channels differ from the classes behind batch norm",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 6, "kernel": 1, "bias": false}, {"name": "conv1_bn", "type": "batch_norm"}, )" +
         kGap),
     {"layer 'conv1' gives 6 channels before global pooling 'gap', but the network has 4 classes"}},
    {"global pooling without a convolution",
     spec_text(kGap),
     {"layer 'gap' (global_avg_pool): needs a convolution before it"}},
    {"no global pooling at the end",
     spec_text(kConv),
     {"'test.json': the network's output is 4x8x8, expected 4x1x1 (one score per class); end it "
      "with global_avg_pool"}},

    // Zero, negative and absurd sizes.
    {"zero outputs",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 0, "kernel": 1}, )" + kGap),
     {"'test.json': layer 'conv1': field 'outputs' is 0, expected at least 1"}},
    {"negative outputs",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": -4, "kernel": 1}, )" + kGap),
     {"layer 'conv1': field 'outputs' is -4, expected at least 1"}},
    {"zero kernel",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 0}, )" + kGap),
     {"layer 'conv1': field 'kernel' is 0, expected at least 1"}},
    {"zero kernel width",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": [3, 0]}, )" +
               kGap),
     {"layer 'conv1': field 'kernel' is 0, expected at least 1"}},
    {"negative pad",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1, "pad": -1}, )" +
         kGap),
     {"layer 'conv1': field 'pad' is -1, expected at least 0"}},
    {"zero input height",
     spec_text(R"("input": {"channels": 3, "height": 0, "width": 8}, "classes": 4)",
               kConv + ", " + kGap),
     {"'test.json': input: field 'height' is 0, expected at least 1"}},
    {"negative input channels",
     spec_text(R"("input": {"channels": -3, "height": 8, "width": 8}, "classes": 4)",
               kConv + ", " + kGap),
     {"'test.json': input: field 'channels' is -3, expected at least 1"}},
    {"zero classes",
     spec_text(R"("input": {"channels": 3, "height": 8, "width": 8}, "classes": 0)",
               kConv + ", " + kGap),
     {"'test.json': field 'classes' is 0, expected at least 1"}},
    {"convolution stride 0",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 3, "stride": 0}, )" +
         kGap),
     {"layer 'conv1': field 'stride' is 0, expected at least 1"}},
    {"pooling stride 0 in one direction",
     spec_text(kConv +
               R"(, {"name": "pool1", "type": "max_pool", "kernel": 2, "stride": [1, 0]}, )" +
               kGap),
     {"layer 'pool1': field 'stride' is 0, expected at least 1"}},
    {"outputs 10^12",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 1000000000000, "kernel": 1}, )" +
         kGap),
     {"layer 'conv1': field 'outputs' is 1000000000000, expected at most 1048576"}},
    {"outputs 2^64 - 1",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 18446744073709551615, "kernel": 1}, )" +
         kGap),
     {"layer 'conv1': field 'outputs' is 18446744073709551615, expected at most 1048576"}},
    {"input height 100000",
     spec_text(R"("input": {"channels": 3, "height": 100000, "width": 8}, "classes": 4)",
               kConv + ", " + kGap),
     {"input: field 'height' is 100000, expected at most 65536"}},
    {"input of more than 2^31 elements",
     spec_text(R"("input": {"channels": 1048576, "height": 65536, "width": 65536}, "classes": 4)",
               kConv + ", " + kGap),
     {"'test.json': input 1048576x65536x65536 has more than 2^31 elements per image"}},
    {"layer output of more than 2^31 elements",
     spec_text(R"("input": {"channels": 1, "height": 32768, "width": 32768}, "classes": 4)",
               R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1}, )" + kGap),
     {"layer 'conv1' (convolution): output 4x32768x32768 has more than 2^31 elements per image"}},
    {"convolution of more than 2^31 weights",
     spec_text(
         R"("input": {"channels": 1024, "height": 1, "width": 1}, "classes": 4)",
         R"({"name": "conv1", "type": "convolution", "outputs": 1048576, "kernel": 3, "pad": 1}, )" +
             kGap),
     {"layer 'conv1' (convolution): (3x3x1024)x1048576 weights are more than 2^31"}},
    {"convolution whose weight count overflows 64 bits",
     spec_text(
         R"("input": {"channels": 1048576, "height": 1, "width": 1}, "classes": 1048576)",
         R"({"name": "conv1", "type": "convolution", "outputs": 1048576, "kernel": 65536, "pad": 32768, "stride": 65536}, )" +
             kGap),
     {"layer 'conv1' (convolution): (65536x65536x1048576)x1048576 weights are more than 2^31"}},

    // Wrong types and missing fields.
    {"outputs not an integer",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 16.0, "kernel": 1}, )" +
               kGap),
     {"layer 'conv1': field 'outputs' must be an integer, got 16.0"}},
    {"outputs a string",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": "16", "kernel": 1}, )" +
               kGap),
     {"layer 'conv1': field 'outputs' must be an integer, got \"16\""}},
    {"kernel of three sizes",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": [3, 3, 3]}, )" +
               kGap),
     {"layer 'conv1': field 'kernel' must be an integer or [h, w]"}},
    {"bias not a boolean",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1, "bias": "yes"}, )" +
         kGap),
     {"layer 'conv1': field 'bias' must be true or false"}},
    {"ceil_mode not a boolean",
     spec_text(kConv + R"(, {"name": "pool1", "type": "avg_pool", "kernel": 2, "ceil_mode": 0}, )" +
               kGap),
     {"'test.json': layer 'pool1': field 'ceil_mode' must be true or false"}},
    {"ceil_mode on a convolution",
     spec_text(
         R"({"name": "conv1", "type": "convolution", "outputs": 4, "kernel": 1, "ceil_mode": false}, )" +
         kGap),
     {"layer 'conv1': unknown field 'ceil_mode'; valid fields: name, type, outputs, kernel"}},
    {"dropout ratio 1",
     spec_text(kConv + R"(, {"name": "drop1", "type": "dropout", "ratio": 1.0}, )" + kGap),
     {"layer 'drop1': field 'ratio' is 1.0, expected a value in [0.0, 0.99]"}},
    {"batch norm momentum 0",
     spec_text(kConv + R"(, {"name": "bn1", "type": "batch_norm", "momentum": 0}, )" + kGap),
     {"layer 'bn1': field 'momentum' is 0, expected a value in (0.0, 1.0]"}},
    {"version 2",
     "{\"version\": 2, " + kTop + ", \"layers\": [" + kConv + ", " + kGap + "]}",
     {"'test.json': field 'version' is 2, expected at most 1"}},
    {"missing input",
     "{\"classes\": 4, \"layers\": [" + kConv + ", " + kGap + "]}",
     {"'test.json': missing field 'input'"}},
    {"missing input width",
     spec_text(R"("input": {"channels": 3, "height": 8}, "classes": 4)", kConv + ", " + kGap),
     {"'test.json': input: missing field 'width'"}},
    {"missing classes",
     spec_text(R"("input": {"channels": 3, "height": 8, "width": 8})", kConv + ", " + kGap),
     {"'test.json': missing field 'classes'"}},
    {"missing layers", "{" + kTop + "}", {"'test.json': missing field 'layers'"}},
    {"empty layers", spec_text(""), {"'test.json': field 'layers' must be a non-empty array"}},
    {"layer not an object",
     spec_text(kConv + ", 42, " + kGap),
     {"'test.json': layer 2: must be a JSON object"}},
    {"layer without a name",
     spec_text(kConv + R"(, {"type": "relu"}, )" + kGap),
     {"'test.json': layer 2: missing field 'name'"}},
    {"layer name not a string",
     spec_text(kConv + R"(, {"name": 5, "type": "relu"}, )" + kGap),
     {"'test.json': layer 2: field 'name' must be a string"}},
    {"layer name with a space",
     spec_text(kConv + R"(, {"name": "relu 1", "type": "relu"}, )" + kGap),
     {"'test.json': layer 2: name 'relu 1' must be 1 to 64 characters"}},
    {"layer without a type",
     spec_text(kConv + R"(, {"name": "relu1"}, )" + kGap),
     {"'test.json': layer 'relu1': missing field 'type'"}},
    {"convolution without outputs",
     spec_text(R"({"name": "conv1", "type": "convolution", "kernel": 1}, )" + kGap),
     {"layer 'conv1': missing field 'outputs'"}},
    {"convolution without kernel",
     spec_text(R"({"name": "conv1", "type": "convolution", "outputs": 4}, )" + kGap),
     {"layer 'conv1': missing field 'kernel'"}},
    {"pooling without kernel",
     spec_text(kConv + R"(, {"name": "pool1", "type": "max_pool"}, )" + kGap),
     {"layer 'pool1': missing field 'kernel'"}},
    {"duplicate layer names",
     spec_text(kConv + ", " + kConv + ", " + kGap),
     {"'test.json': layer name 'conv1' is used twice"}},
    {"class names fewer than classes",
     spec_text(kTop + R"(, "class_names": ["a", "b", "c"])", kConv + ", " + kGap),
     {"'test.json': 'class_names' has 3 entries, expected one per class (4)"}},
    {"class names more than classes",
     spec_text(kTop + R"(, "class_names": ["a", "b", "c", "d", "e"])", kConv + ", " + kGap),
     {"'class_names' has 5 entries, expected one per class (4)"}},
    {"class names not strings",
     spec_text(kTop + R"(, "class_names": [1, 2, 3, 4])", kConv + ", " + kGap),
     {"'test.json': field 'class_names' must be an array of strings"}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(spec_errors)

BOOST_AUTO_TEST_CASE(the_base_of_the_bad_specs_is_valid) {
  const auto spec =
      nin::parse_network_spec(spec_text(kConv + ", " + kRelu + ", " + kGap), "test.json");
  BOOST_TEST(spec.layers.size() == 3u);
  BOOST_TEST(spec.output() == (Shape{4, 1, 1}));
  BOOST_TEST(spec.source == "test.json");
}

BOOST_DATA_TEST_CASE(parse_rejects_with_a_spec_error, bdata::make(kBadSpecs), bad) {
  std::string message;
  try {
    nin::parse_network_spec(bad.text, "test.json");
    BOOST_ERROR("accepted: " << bad.text);
  } catch (const nin::SpecError& e) {
    message = e.what();
  }
  check_message(message, bad.message_parts);
}

BOOST_AUTO_TEST_CASE(unreadable_files_are_io_errors) {
  const auto message = [](const std::filesystem::path& path) {
    try {
      nin::load_network_spec(path);
    } catch (const nin::IoError& e) {
      return std::string(e.what());
    }
    return std::string("no IoError");
  };
  check_message(message("does-not-exist.json"), {"'does-not-exist.json': no such file"});
  check_message(message(kModels), {"is a directory, expected a file"});
}

BOOST_AUTO_TEST_CASE(unknown_presets_are_usage_errors_listing_the_presets) {
  std::string message;
  try {
    catalog().find("nin-cifar11");
  } catch (const nin::UsageError& e) {
    message = e.what();
  }
  check_message(
      message,
      {"'nin-cifar11': unknown preset; valid presets: nin-cifar10, nin-cifar10-bn, "
       "nin-cifar100, nin-imagenet, nin-mnist, nin-mnist-bn, nin-mnist-bn-fc, "
       "nin-mnist-bn-fc-dropout, nin-mnist-bn-light-dropout, nin-mnist-bn-linear, nin-svhn, "
       "table-4.4"});

  message.clear();
  try {
    nin::PresetCatalog({kModels / "missing"}).find("nin-cifar10");
  } catch (const nin::UsageError& e) {
    message = e.what();
  }
  check_message(message, {"unknown preset; valid presets: none found"});
}

BOOST_AUTO_TEST_CASE(paths_and_preset_names) {
  BOOST_TEST(!nin::looks_like_path("nin-cifar10"));
  BOOST_TEST(nin::looks_like_path("my-net.json"));
  BOOST_TEST(nin::looks_like_path("models/nin"));
  BOOST_TEST(nin::looks_like_path("weights.h5"));
  BOOST_TEST(nin::looks_like_path("net.onnx"));
  // A path loads the file and keeps the path as the source; a name keeps the name.
  const auto by_path = nin::load_network((kModels / "nin-mnist.json").string(), catalog());
  BOOST_TEST(by_path.source == (kModels / "nin-mnist.json").string());
  BOOST_TEST(preset("nin-mnist").source == "nin-mnist");
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------
// Transformations

BOOST_AUTO_TEST_SUITE(spec_transforms)

BOOST_AUTO_TEST_CASE(table_4_4_for_mnist_sized_input_and_ten_classes) {
  const auto spec = nin::with_classes(nin::with_input(preset("table-4.4"), Shape{1, 28, 28}), 10);
  BOOST_TEST(spec.input == (Shape{1, 28, 28}));
  BOOST_TEST(spec.classes == 10);
  const auto& l11 = layer(spec, "L11");
  BOOST_TEST(l11.output.channels == 16);
  BOOST_TEST(l11.output.height == 26);
  BOOST_TEST(l11.output.width == 26);
  BOOST_TEST(layer(spec, "L31").output == (Shape{100, 22, 22}));
  BOOST_TEST(layer(spec, "L32").outputs == 10);
  BOOST_TEST(layer(spec, "L32").output == (Shape{10, 22, 22}));
  BOOST_TEST(spec.output() == (Shape{10, 1, 1}));
  // (9+1)×16 + 272 + 9,280 + 4,160 + 57,700 + (100+1)×10 = 72,582 parameters;
  // 97,344 + 173,056 + 5,308,416 + 2,359,296 + 27,878,400 + 484,000 = 36,300,512 MACs.
  const auto cost = nin::network_cost(spec);
  BOOST_TEST(cost.parameters == 72'582);
  BOOST_TEST(cost.macs == 36'300'512);
}

BOOST_AUTO_TEST_CASE(with_classes_keeps_class_names_only_when_they_fit) {
  const auto cifar = preset("nin-cifar10");
  BOOST_TEST(nin::with_classes(cifar, 10).class_names == cifar.class_names,
             boost::test_tools::per_element());
  const auto hundred = nin::with_classes(cifar, 100);
  BOOST_TEST(hundred.class_names.empty());
  BOOST_TEST(layer(hundred, "cccp6").outputs == 100);
  // The same as the CIFAR-100 preset.
  BOOST_TEST(nin::network_cost(hundred).parameters == 984'356);
}

BOOST_AUTO_TEST_CASE(with_classes_follows_through_batch_norm) {
  const auto spec = nin::with_classes(preset("nin-cifar10-bn"), 100);
  BOOST_TEST(layer(spec, "cccp6").outputs == 100);
  BOOST_TEST(layer(spec, "cccp6_bn").input.channels == 100);
  BOOST_TEST(nin::layer_cost(layer(spec, "cccp6_bn")).parameters == 200);
  BOOST_TEST(spec.output() == (Shape{100, 1, 1}));
}

BOOST_AUTO_TEST_CASE(with_input_reinfers_shapes_and_rejects_inputs_too_small) {
  const auto mnist_sized = nin::with_input(preset("nin-cifar10"), Shape{1, 28, 28});
  BOOST_TEST(layer(mnist_sized, "pool1").output == (Shape{96, 14, 14}));
  BOOST_TEST(layer(mnist_sized, "gap").input == (Shape{10, 7, 7}));
  // nin-imagenet at 32×32: conv1 6×6, pool1 3×3, pool2 1×1, and pool3's 3×3 window no longer fits.
  std::string message;
  try {
    nin::with_input(preset("nin-imagenet"), Shape{3, 32, 32});
  } catch (const nin::SpecError& e) {
    message = e.what();
  }
  check_message(message, {"'nin-imagenet': layer 'pool3' (max_pool): kernel 3x3 is larger than its "
                          "padded input 1x1"});
}

// Specs built in code (the ONNX importer's) skip the parser's limits; shape inference must still
// refuse sizes that would wrap around instead of computing a small, wrong shape.
BOOST_AUTO_TEST_CASE(shape_inference_refuses_sizes_that_would_overflow) {
  const auto refused = [](NetworkSpec spec, const std::vector<std::string>& parts) {
    std::string message;
    try {
      nin::infer_shapes(spec);
    } catch (const nin::SpecError& e) {
      message = e.what();
    }
    check_message(message, parts);
  };
  NetworkSpec base = preset("table-4.4");
  base.source = "crafted";
  NetworkSpec huge_pad = base;
  huge_pad.layers[0].window.pad_h = huge_pad.layers[0].window.pad_w = std::int64_t{1} << 62;
  refused(huge_pad, {"'crafted': layer 'L11' (convolution): kernel 3x3, stride 1x1 and pad "
                     "4611686018427387904x4611686018427387904 must be at most 65536"});
  NetworkSpec huge_input = base;
  huge_input.input = Shape{std::int64_t{1} << 40, std::int64_t{1} << 40, 1 << 20};  // wraps to 0
  refused(huge_input, {"'crafted': input ", "has more than 2^31 elements per image"});
  NetworkSpec huge_outputs = base;
  huge_outputs.layers[0].outputs = std::int64_t{1} << 62;
  refused(huge_outputs, {"layer 'L11' (convolution): outputs 4611686018427387904 must be in "
                         "1..1048576"});
  BOOST_TEST(Shape({std::int64_t{1} << 40, std::int64_t{1} << 40, 1}).elements() ==
             std::numeric_limits<std::int64_t>::max());
}

BOOST_AUTO_TEST_CASE(with_classes_needs_a_convolution) {
  NetworkSpec spec;
  spec.source = "empty";
  BOOST_CHECK_THROW(nin::with_classes(spec, 10), nin::SpecError);
}

BOOST_DATA_TEST_CASE(json_round_trip, bdata::make(preset_names()), name) {
  const auto spec = preset(name);
  const auto text = nin::to_json_text(spec);
  const auto back = nin::parse_network_spec(text, name);
  BOOST_TEST(back.name == spec.name);
  BOOST_TEST(back.description == spec.description);
  BOOST_TEST(back.input == spec.input);
  BOOST_TEST(back.classes == spec.classes);
  BOOST_TEST(back.class_names == spec.class_names, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(back.layers.size() == spec.layers.size());
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const auto& a = spec.layers[i];
    const auto& b = back.layers[i];
    BOOST_TEST_CONTEXT("layer " << a.name) {
      BOOST_TEST(b.name == a.name);
      BOOST_TEST(b.type == a.type);
      BOOST_TEST(b.window.kernel_h == a.window.kernel_h);
      BOOST_TEST(b.window.kernel_w == a.window.kernel_w);
      BOOST_TEST(b.window.stride_h == a.window.stride_h);
      BOOST_TEST(b.window.stride_w == a.window.stride_w);
      BOOST_TEST(b.window.pad_h == a.window.pad_h);
      BOOST_TEST(b.window.pad_w == a.window.pad_w);
      BOOST_TEST(b.outputs == a.outputs);
      BOOST_TEST(b.bias == a.bias);
      BOOST_TEST(b.ceil_mode == a.ceil_mode);
      BOOST_TEST((b.init.kind == a.init.kind));
      BOOST_TEST(b.init.std == a.init.std);
      BOOST_TEST(b.lr_mult == a.lr_mult);
      BOOST_TEST(b.bias_lr_mult == a.bias_lr_mult);
      BOOST_TEST(b.dropout_ratio == a.dropout_ratio);
      BOOST_TEST(b.bn_momentum == a.bn_momentum);
      BOOST_TEST(b.bn_eps == a.bn_eps);
      BOOST_TEST(b.input == a.input);
      BOOST_TEST(b.output == a.output);
    }
  }
  // Serialising again gives the same text.
  BOOST_TEST(nin::to_json_text(back) == text);
}

BOOST_AUTO_TEST_CASE(json_round_trip_of_rectangular_windows) {
  const auto text = spec_text(
      R"("input": {"channels": 2, "height": 9, "width": 12}, "classes": 3)",
      R"({"name": "conv1", "type": "convolution", "outputs": 3, "kernel": [3, 5], "stride": [1, 2], "pad": [0, 1]},
         {"name": "pool1", "type": "avg_pool", "kernel": [2, 3], "stride": [2, 1], "pad": [1, 0]},
         {"name": "gap", "type": "global_avg_pool"})");
  const auto spec = nin::parse_network_spec(text, "rect.json");
  // conv1: h (9 − 3) / 1 + 1 = 7, w (12 + 2 − 5) / 2 + 1 = 5; pool1: h ceil((7 + 2 − 2) / 2) + 1 =
  // 5 clipped to 4 (the fifth window would start at 7, past the input), w (5 − 3) / 1 + 1 = 3.
  BOOST_TEST(layer(spec, "conv1").output == (Shape{3, 7, 5}));
  BOOST_TEST(layer(spec, "pool1").output == (Shape{3, 4, 3}));
  const auto back = nin::parse_network_spec(nin::to_json_text(spec), "rect.json");
  BOOST_TEST(layer(back, "conv1").window.kernel_w == 5);
  BOOST_TEST(layer(back, "pool1").window.pad_h == 1);
  BOOST_TEST(layer(back, "pool1").output == (Shape{3, 4, 3}));
}

BOOST_AUTO_TEST_CASE(floor_mode_pooling_is_read_inferred_and_written_back) {
  const auto text =
      spec_text(R"("input": {"channels": 2, "height": 28, "width": 14}, "classes": 3)",
                R"({"name": "conv1", "type": "convolution", "outputs": 3, "kernel": 1},
         {"name": "pool1", "type": "max_pool", "kernel": 3, "stride": 2, "ceil_mode": false},
         {"name": "pool2", "type": "avg_pool", "kernel": [3, 2], "stride": 2, "pad": 1,
          "ceil_mode": false},
         {"name": "pool3", "type": "max_pool", "kernel": 2, "stride": 2, "ceil_mode": true},
         {"name": "gap", "type": "global_avg_pool"})");
  const auto spec = nin::parse_network_spec(text, "floor.json");
  BOOST_TEST(!layer(spec, "pool1").ceil_mode);
  BOOST_TEST(layer(spec, "pool3").ceil_mode);
  BOOST_TEST(layer(spec, "conv1").ceil_mode);  // the default; convolutions have no such field
  // pool1: h (28 − 3) / 2 + 1 = 13 (ceil mode: 14), w (14 − 3) / 2 + 1 = 6 (ceil mode: 7);
  // pool2: h (13 + 2 − 3) / 2 + 1 = 7, w (6 + 2 − 2) / 2 + 1 = 4 (ceil mode: 7 and 4);
  // pool3: h ceil((7 − 2) / 2) + 1 = 4, w (4 − 2) / 2 + 1 = 2.
  BOOST_TEST(layer(spec, "pool1").output == (Shape{3, 13, 6}));
  BOOST_TEST(layer(spec, "pool2").output == (Shape{3, 7, 4}));
  BOOST_TEST(layer(spec, "pool3").output == (Shape{3, 4, 2}));
  // Written only when false: ceil-mode layers read as they did before the field existed.
  const auto written = nin::to_json_text(spec);
  const auto occurrences = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = written.find(what); at != std::string::npos; at = written.find(what, at + 1))
      ++n;
    return n;
  };
  BOOST_TEST(occurrences("\"ceil_mode\": false") == 2u);
  BOOST_TEST(occurrences("ceil_mode") == 2u);
  const auto back = nin::parse_network_spec(written, "floor.json");
  BOOST_TEST(!layer(back, "pool2").ceil_mode);
  BOOST_TEST(layer(back, "pool3").ceil_mode);
  BOOST_TEST(layer(back, "pool2").output == (Shape{3, 7, 4}));
  BOOST_TEST(nin::to_json_text(back) == written);
  // Another input re-infers floor-mode shapes: 32 → (32 − 3) / 2 + 1 = 15.
  BOOST_TEST(layer(nin::with_input(spec, Shape{2, 32, 32}), "pool1").output == (Shape{3, 15, 15}));
}

// A spec from standard input (nin-params -) is read whole up to a bound, then parsed as a file is.
BOOST_AUTO_TEST_CASE(stream_reading_is_bounded) {
  const std::string text(100000, ' ');  // more than one read's buffer
  std::istringstream at_limit(text);
  BOOST_TEST(nin::read_text_stream(at_limit, "<stdin>", text.size()) == text);
  std::istringstream empty;
  BOOST_TEST(nin::read_text_stream(empty, "<stdin>", 10).empty());
  std::istringstream over(text + "x");
  nin::test::check_throws<nin::IoError>(
      [&] { nin::read_text_stream(over, "<stdin>", text.size()); },
      {"'<stdin>': more than the 100000 bytes allowed"});
}

BOOST_AUTO_TEST_CASE(the_registry_lists_every_layer_type_once) {
  const auto names = nin::layer_registry().names();
  const std::vector<std::string_view> expected{
      "convolution", "relu", "max_pool", "avg_pool", "global_avg_pool", "dropout", "batch_norm"};
  BOOST_TEST(std::vector<std::string_view>(names.begin(), names.begin() + 7) == expected,
             boost::test_tools::per_element());
  for (const auto name : names) BOOST_TEST(nin::layer_registry().find(name)->name() == name);
  BOOST_TEST(nin::layer_registry().find("mlpconv") == nullptr);
  BOOST_TEST(nin::layer_registry().find_onnx_op("Conv")->name() == "convolution");
  BOOST_TEST(nin::layer_registry().find_onnx_op("ReduceMean")->name() == "global_avg_pool");
}

BOOST_AUTO_TEST_CASE(the_registry_refuses_a_name_twice) {
  nin::LayerRegistry registry;
  const nin::LayerKind& relu = *nin::layer_registry().find("relu");
  registry.add(relu);
  nin::test::check_throws<nin::Error>([&] { registry.add(relu); },
                                      {"layer registry: the kind 'relu' is registered twice"});
  BOOST_TEST(registry.kinds().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_registry_refuses_an_onnx_op_mapped_twice) {
  // A kind of another name that claims Relu too.
  struct OtherRelu final : nin::LayerKind {
    const nin::LayerKind& relu = *nin::layer_registry().find("relu");
    std::string_view name() const override { return "other_relu"; }
    nin::Shape output_shape(const LayerSpec& l, const nin::ShapeContext& c) const override {
      return relu.output_shape(l, c);
    }
    nin::LayerNotation notation(const LayerSpec& l, nin::Language g) const override {
      return relu.notation(l, g);
    }
    std::unique_ptr<nin::Layer> make(const LayerSpec& l, std::int64_t n, bool t) const override {
      return relu.make(l, n, t);
    }
    void export_onnx(const LayerSpec& l, nin::OnnxLayerExport& o) const override {
      relu.export_onnx(l, o);
    }
    std::vector<std::string_view> onnx_ops() const override { return {"Relu"}; }
    void import_onnx(nin::OnnxNodeImport& n) const override { relu.import_onnx(n); }
  } other;
  nin::LayerRegistry registry;
  registry.add(*nin::layer_registry().find("relu"));
  nin::test::check_throws<nin::Error>([&] { registry.add(other); },
                                      {"ONNX op 'Relu' maps to both 'relu' and 'other_relu'"});
}

BOOST_AUTO_TEST_SUITE_END()
