#include "nin/onnx/onnx_graph_mapper.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <utility>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/onnx/onnx_pooling.hpp"
#include "nin/onnx/onnx_tensors.hpp"

namespace nin::onnx_mapping {
namespace {

namespace fs = std::filesystem;
using onnx_tensors::Dims;
using onnx_tensors::dims_text;

// Opsets whose versions of the mapped operators this importer knows.
constexpr std::int64_t kMinOpset = 7;
constexpr std::int64_t kMaxOpset = 22;

const char* const kSupportedOps =
    "Conv, Relu, MaxPool, AveragePool, BatchNormalization, Dropout, GlobalAveragePool, "
    "ReduceMean, Flatten, Reshape, Squeeze, Identity, Pad (adding nothing), Constant, a leading "
    "Sub/Div and a final Softmax";

std::string in_quotes(const std::string& text) {
  return "'" + text + "'";
}

// The shortest decimal that reads back as `value`, as a double: 1e-05f becomes 1e-05, not
// 9.99999974737875e-06.
double shortest_decimal(float value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::strtod(std::string(text, result.ptr).c_str(), nullptr);
}

// ONNX names may hold anything; layer names are 1–64 letters, digits, '_', '-' or '.', starting
// with a letter, digit or '_'.
std::string layer_name_from(const std::string& node_name, const std::string& op_type,
                            std::size_t index, std::set<std::string>& used) {
  std::string name;
  for (const char c : node_name) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
    const char kept = word ? c : '_';
    if (kept == '_' && !name.empty() && name.back() == '_') continue;
    name += kept;
  }
  while (!name.empty() && (name.front() == '_' || name.front() == '.' || name.front() == '-'))
    name.erase(name.begin());
  while (!name.empty() && name.back() == '_') name.pop_back();
  if (name.size() > 56) name.resize(56);
  if (name.empty()) {
    for (const char c : op_type)
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) name += c;
    name += "_" + std::to_string(index);
  }
  std::string unique = name;
  for (int n = 2; used.count(unique); ++n) unique = name + "_" + std::to_string(n);
  used.insert(unique);
  return unique;
}

// Attribute lookup with the types checked, and unknown attributes refused (an attribute nin does
// not know could change what the node computes).
class Attributes {
 public:
  Attributes(const onnx::NodeProto& node, std::string where,
             std::initializer_list<const char*> known)
      : node_(node), where_(std::move(where)) {
    for (const auto& a : node.attribute()) {
      const bool is_known =
          std::any_of(known.begin(), known.end(), [&](const char* k) { return a.name() == k; });
      if (!is_known)
        throw FormatError(where_ + ": attribute '" + a.name() + "' is not one nin maps");
    }
  }

  bool has(const char* name) const { return find(name) != nullptr; }

  std::int64_t integer(const char* name, std::int64_t fallback) const {
    const onnx::AttributeProto* a = find(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::INT) fail(name, "an integer");
    return a->i();
  }

  float real(const char* name, float fallback) const {
    const onnx::AttributeProto* a = find(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::FLOAT) fail(name, "a float");
    return a->f();
  }

  std::string text(const char* name, const std::string& fallback) const {
    const onnx::AttributeProto* a = find(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::STRING) fail(name, "a string");
    return a->s();
  }

  // A list of `size` integers (any size when 0).
  Dims integers(const char* name, const Dims& fallback, std::size_t size = 0) const {
    const onnx::AttributeProto* a = find(name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::INTS) fail(name, "a list of integers");
    Dims values(a->ints().begin(), a->ints().end());
    if (size && values.size() != size)
      throw FormatError(where_ + ": attribute '" + name + "' is " + dims_text(values) +
                        ", expected " + std::to_string(size) + " values");
    return values;
  }

 private:
  const onnx::AttributeProto* find(const char* name) const {
    for (const auto& a : node_.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  [[noreturn]] void fail(const char* name, const char* expected) const {
    throw FormatError(where_ + ": attribute '" + name + "' must be " + expected);
  }
  const onnx::NodeProto& node_;
  std::string where_;
};

// A layer derived from a node, before names are settled.
struct DerivedLayer {
  LayerSpec spec;
  std::vector<ImportedTensor> tensors;  // `layer` filled when the name is settled
};

// Walks the chain of nodes from the graph's input to its output and maps each node.
class GraphMapper {
 public:
  GraphMapper(const onnx::ModelProto& model, std::string source)
      : model_(model),
        graph_(model.graph()),
        source_(std::move(source)),
        file_(in_quotes(source_)),
        constants_(graph_) {}

  void map() {
    opset_ = default_opset();
    read_input_and_output();
    for (int i = 0; i < graph_.node_size(); ++i) visit(graph_.node(i), i);
    if (current_ != output_name_)
      throw FormatError(file_ + ": the graph's output '" + output_name_ +
                        "' is not the end of the chain of nodes from its input (which ends at '" +
                        current_ + "')");
    if (shape_.height != 1 || shape_.width != 1)
      throw FormatError(file_ + ": the graph ends with " + shape_text() +
                        " values per image; a nin network ends with one value per class "
                        "(global average pooling)");
  }

  ImportedModel result() {
    ImportedModel model;
    NetworkSpec& spec = model.spec;
    spec.source = source_;
    spec.name = fs::path(source_).stem().string();
    spec.description = "imported from ONNX";
    if (!model_.producer_name().empty())
      spec.description +=
          " (" + model_.producer_name() +
          (model_.producer_version().empty() ? "" : " " + model_.producer_version()) + ")";
    spec.input = input_shape_;
    spec.classes = shape_.channels;
    std::set<std::string> used;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      DerivedLayer& layer = layers_[i];
      layer.spec.name = layer_name_from(layer_nodes_[i].first, layer_nodes_[i].second, i, used);
      for (auto& t : layer.tensors) t.layer = layer.spec.name;
      spec.layers.push_back(layer.spec);
      for (auto& t : layer.tensors) model.tensors.push_back(std::move(t));
    }
    model.info.normalization = normalization_;
    model.notes = notes_;
    return model;
  }

 private:
  std::int64_t default_opset() const {
    for (const auto& opset : model_.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") {
        if (opset.version() < kMinOpset || opset.version() > kMaxOpset)
          throw FormatError(file_ + ": opset " + std::to_string(opset.version()) +
                            " is not one nin reads (" + std::to_string(kMinOpset) + " to " +
                            std::to_string(kMaxOpset) + ")");
        return opset.version();
      }
    throw FormatError(file_ + ": the model imports no version of the standard ONNX operators");
  }

  void read_input_and_output() {
    std::set<std::string> initializers;
    for (const auto& t : graph_.initializer()) initializers.insert(t.name());
    // Older exporters list initializers among the inputs too; those are not inputs.
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& input : graph_.input())
      if (!initializers.count(input.name())) inputs.push_back(&input);
    if (inputs.size() != 1) {
      std::string names;
      for (const auto* input : inputs) names += (names.empty() ? "'" : ", '") + input->name() + "'";
      throw FormatError(file_ + ": the graph has " + std::to_string(inputs.size()) + " inputs" +
                        (names.empty() ? "" : " (" + names + ")") +
                        "; a nin network takes one tensor of images");
    }
    const onnx::ValueInfoProto& input = *inputs.front();
    const std::string where = file_ + ": input '" + input.name() + "'";
    if (!input.type().has_tensor_type() ||
        input.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      throw FormatError(where + " is not a float32 tensor");
    const auto& dims = input.type().tensor_type().shape().dim();
    if (dims.size() != 4)
      throw FormatError(where + " has " + std::to_string(dims.size()) +
                        " dimensions, expected 4 (batch, channels, height, width)");
    std::int64_t sizes[3] = {0, 0, 0};
    const char* names[3] = {"channels", "height", "width"};
    for (int i = 0; i < 3; ++i) {
      const auto& d = dims[i + 1];
      if (!d.has_dim_value() || d.dim_value() < 1 || d.dim_value() > (1 << 20))
        throw FormatError(where + ": its " + names[i] +
                          " is not a fixed size from 1 to 1048576; nin networks have a fixed input "
                          "size");
      sizes[i] = d.dim_value();
    }
    if (dims[0].has_dim_value()) fixed_batch_ = dims[0].dim_value();
    input_shape_ = {sizes[0], sizes[1], sizes[2]};
    shape_ = input_shape_;
    current_ = input.name();
    if (graph_.output_size() != 1)
      throw FormatError(file_ + ": the graph has " + std::to_string(graph_.output_size()) +
                        " outputs; a nin network has one (the class scores)");
    output_name_ = graph_.output(0).name();
  }

  std::string describe(const onnx::NodeProto& node, int index) const {
    const std::string op = node.domain().empty() || node.domain() == "ai.onnx"
                               ? node.op_type()
                               : node.domain() + "::" + node.op_type();
    return op + (node.name().empty() ? " (node " + std::to_string(index) + ")"
                                     : " '" + node.name() + "'");
  }

  std::string shape_text() const {
    return std::to_string(shape_.channels) + "×" + std::to_string(shape_.height) + "×" +
           std::to_string(shape_.width);
  }

  void visit(const onnx::NodeProto& node, int index) {
    const std::string where = file_ + ": " + describe(node, index);
    const bool standard = node.domain().empty() || node.domain() == "ai.onnx";
    const std::string& op = node.op_type();
    if (standard && op == "Constant") return constants_.add_constant_node(node, where);
    if (standard && op == "Identity" && node.input_size() == 1 && node.output_size() == 1 &&
        constants_.add_alias(node.output(0), node.input(0)))
      return;
    const auto reads_current = std::find(node.input().begin(), node.input().end(), current_);
    if (reads_current == node.input().end())
      throw FormatError(where +
                        " is not on the path from the input to the output; nin maps one "
                        "chain of nodes");
    if (reads_current != node.input().begin() || node.output_size() < 1)
      throw FormatError(where + " is not supported in this position; nin maps " + kSupportedOps);
    check_extra_outputs_unused(node, where);
    if (!standard) unsupported(where);
    if (op == "Conv") {
      convolution(node, where);
    } else if (op == "Relu") {
      Attributes(node, where, {});
      add_layer(LayerType::relu, node);
    } else if (op == "MaxPool" || op == "AveragePool") {
      pooling(node, where, op == "AveragePool");
    } else if (op == "BatchNormalization") {
      batch_norm(node, where);
    } else if (op == "Dropout") {
      dropout(node, where);
    } else if (op == "GlobalAveragePool") {
      Attributes(node, where, {});
      global_pool(node, where);
    } else if (op == "ReduceMean") {
      reduce_mean(node, where);
    } else if (op == "Flatten" || op == "Reshape" || op == "Squeeze") {
      flatten(node, where);
    } else if (op == "Identity") {
      Attributes(node, where, {});
    } else if (op == "Pad") {
      pad(node, where);
    } else if (op == "Sub" || op == "Div") {
      normalization(node, where, op == "Sub");
    } else if (op == "Softmax") {
      softmax(node, where);
    } else {
      unsupported(where);
    }
    current_ = node.output(0);
  }

  [[noreturn]] void unsupported(const std::string& where) const {
    throw FormatError(where + ": unsupported op; nin maps " + kSupportedOps);
  }

  // Outputs beyond the first (Dropout's mask, MaxPool's indices, training statistics) must not be
  // used: nin computes only the first.
  void check_extra_outputs_unused(const onnx::NodeProto& node, const std::string& where) const {
    for (int o = 1; o < node.output_size(); ++o) {
      const std::string& name = node.output(o);
      if (name.empty()) continue;
      bool used = false;
      for (const auto& other : graph_.node())
        used = used ||
               std::find(other.input().begin(), other.input().end(), name) != other.input().end();
      for (const auto& output : graph_.output()) used = used || output.name() == name;
      if (used)
        throw FormatError(where + ": its output " + std::to_string(o + 1) + " ('" + name +
                          "') is used; nin computes only the first output");
    }
  }

  void require_planes(const std::string& where) const {
    if (flat_)
      throw FormatError(where +
                        " comes after the features were flattened; nin maps image planes "
                        "before global pooling");
  }

  DerivedLayer& add_layer(LayerType type, const onnx::NodeProto& node) {
    layers_.push_back({});
    layers_.back().spec.type = type;
    layer_nodes_.emplace_back(node.name(), node.op_type());
    return layers_.back();
  }

  const onnx::TensorProto& constant_input(const onnx::NodeProto& node, int i, const char* role,
                                          const std::string& where) const {
    if (node.input_size() <= i || node.input(i).empty())
      throw FormatError(where + ": has no " + role + " input");
    return constants_.get(node.input(i), where + ": " + role + " '" + node.input(i) + "'");
  }

  // A per-channel tensor of `channels` float32 values with dims [channels].
  std::vector<float> channel_vector(const onnx::NodeProto& node, int i, const char* role,
                                    const std::string& where) const {
    const onnx::TensorProto& tensor = constant_input(node, i, role, where);
    const std::string tensor_where = where + ": " + role + " '" + node.input(i) + "'";
    const Dims dims = onnx_tensors::checked_dims(tensor, tensor_where);
    if (dims != Dims{shape_.channels})
      throw FormatError(tensor_where + " is " + dims_text(dims) + ", but the input has " +
                        std::to_string(shape_.channels) + " channels (expected [" +
                        std::to_string(shape_.channels) + "])");
    return onnx_tensors::read_floats(tensor, tensor_where);
  }

  // Kernels, strides and pads within the limits of a spec (a JSON spec caps them the same way),
  // so that no size computed from them can overflow.
  static void check_extents(const std::string& where, const char* name, const Dims& values) {
    for (const auto v : values)
      if (v > kMaxSpecExtent)
        throw FormatError(where + ": " + name + " " + dims_text(values) +
                          " exceed nin's limit of " + std::to_string(kMaxSpecExtent));
  }

  // Pads [top, left, bottom, right] from `pads` or `auto_pad`; SAME_* padding is accepted where
  // it splits evenly or the split does not matter (checked by the caller).
  Dims padding(const Attributes& a, const Window2d& w, const std::string& where) const {
    const std::string auto_pad = a.text("auto_pad", "NOTSET");
    if (auto_pad == "NOTSET") {
      const Dims pads = a.integers("pads", {0, 0, 0, 0}, 4);
      for (const auto p : pads)
        if (p < 0) throw FormatError(where + ": pads " + dims_text(pads) + " are negative");
      check_extents(where, "pads", pads);
      return pads;
    }
    if (auto_pad == "VALID") return {0, 0, 0, 0};
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const auto total = [](std::int64_t in, std::int64_t k, std::int64_t s) {
        return std::max<std::int64_t>(0, ((in + s - 1) / s - 1) * s + k - in);
      };
      const std::int64_t th = total(shape_.height, w.kernel_h, w.stride_h);
      const std::int64_t tw = total(shape_.width, w.kernel_w, w.stride_w);
      const bool upper = auto_pad == "SAME_UPPER";
      return {upper ? th / 2 : th - th / 2, upper ? tw / 2 : tw - tw / 2,
              upper ? th - th / 2 : th / 2, upper ? tw - tw / 2 : tw / 2};
    }
    throw FormatError(where + ": auto_pad '" + auto_pad + "' is not an ONNX padding mode");
  }

  void convolution(const onnx::NodeProto& node, const std::string& where) {
    require_planes(where);
    const Attributes a(node, where,
                       {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
    const std::int64_t group = a.integer("group", 1);
    if (group != 1)
      throw FormatError(where + ": group " + std::to_string(group) +
                        " (a grouped convolution) is not supported; nin convolutions have group 1");
    const Dims dilations = a.integers("dilations", {1, 1}, 2);
    if (dilations != Dims{1, 1})
      throw FormatError(where + ": dilations " + dims_text(dilations) +
                        " are not supported; nin convolutions have dilation 1");
    const std::string weight_where =
        where + ": weight '" + (node.input_size() > 1 ? node.input(1) : "") + "'";
    const onnx::TensorProto& weight = constant_input(node, 1, "weight", where);
    const Dims w_dims = onnx_tensors::checked_dims(weight, weight_where);
    if (w_dims.size() != 4 || w_dims[1] != shape_.channels || w_dims[0] < 1) {
      const std::string expected =
          w_dims.size() == 4
              ? "[" + std::to_string(w_dims[0]) + "," + std::to_string(shape_.channels) + "," +
                    std::to_string(w_dims[2]) + "," + std::to_string(w_dims[3]) + "]"
              : "[outputs," + std::to_string(shape_.channels) + ",kernel_h,kernel_w]";
      throw FormatError(weight_where + " is " + dims_text(w_dims) + ", but the input has " +
                        std::to_string(shape_.channels) + " channels (expected " + expected + ")");
    }
    const Dims kernel = a.integers("kernel_shape", {w_dims[2], w_dims[3]}, 2);
    if (kernel != Dims{w_dims[2], w_dims[3]})
      throw FormatError(where + ": kernel_shape " + dims_text(kernel) + " contradicts weight " +
                        dims_text(w_dims));
    const Dims strides = a.integers("strides", {1, 1}, 2);
    Window2d w{w_dims[2], w_dims[3], strides[0], strides[1], 0, 0};
    if (w.stride_h < 1 || w.stride_w < 1)
      throw FormatError(where + ": strides " + dims_text(strides) + " must be positive");
    check_extents(where, "kernel_shape", kernel);
    check_extents(where, "strides", strides);
    const Dims pads = padding(a, w, where);
    w.pad_h = pads[0];
    w.pad_w = pads[1];
    if (w.kernel_h < 1 || w.kernel_w < 1 || w.kernel_h > shape_.height + 2 * w.pad_h ||
        w.kernel_w > shape_.width + 2 * w.pad_w)
      throw FormatError(where + ": kernel " + dims_text(kernel) + " does not fit its input " +
                        shape_text() + " with pads " + dims_text(pads));
    const std::int64_t out_h =
        convolution_output_size(shape_.height, w.kernel_h, w.stride_h, w.pad_h);
    const std::int64_t out_w =
        convolution_output_size(shape_.width, w.kernel_w, w.stride_w, w.pad_w);
    // Uneven pads are fine when the extra end padding is never reached.
    if ((shape_.height + pads[0] + pads[2] - w.kernel_h) / w.stride_h + 1 != out_h ||
        (shape_.width + pads[1] + pads[3] - w.kernel_w) / w.stride_w + 1 != out_w)
      throw FormatError(where + ": pads " + dims_text(pads) +
                        " differ at the two ends of an axis; nin pads both ends equally");

    DerivedLayer& layer = add_layer(LayerType::convolution, node);
    layer.spec.outputs = w_dims[0];
    layer.spec.window = w;
    layer.tensors.push_back(
        {"", "weight", w_dims, onnx_tensors::read_floats(weight, weight_where)});
    layer.spec.bias = node.input_size() > 2 && !node.input(2).empty();
    if (layer.spec.bias) {
      const std::string bias_where = where + ": bias '" + node.input(2) + "'";
      const onnx::TensorProto& bias = constant_input(node, 2, "bias", where);
      const Dims b_dims = onnx_tensors::checked_dims(bias, bias_where);
      if (b_dims != Dims{w_dims[0]})
        throw FormatError(bias_where + " is " + dims_text(b_dims) + ", expected [" +
                          std::to_string(w_dims[0]) + "] (one per output channel)");
      layer.tensors.push_back({"", "bias", b_dims, onnx_tensors::read_floats(bias, bias_where)});
    }
    shape_ = {w_dims[0], out_h, out_w};
  }

  void pooling(const onnx::NodeProto& node, const std::string& where, bool average) {
    require_planes(where);
    const Attributes a = average ? Attributes(node, where,
                                              {"kernel_shape", "strides", "pads", "ceil_mode",
                                               "auto_pad", "dilations", "count_include_pad"})
                                 : Attributes(node, where,
                                              {"kernel_shape", "strides", "pads", "ceil_mode",
                                               "auto_pad", "dilations", "storage_order"});
    if (!a.has("kernel_shape")) throw FormatError(where + ": has no kernel_shape");
    const Dims kernel = a.integers("kernel_shape", {}, 2);
    const Dims strides = a.integers("strides", {1, 1}, 2);
    const Dims dilations = a.integers("dilations", {1, 1}, 2);
    if (dilations != Dims{1, 1})
      throw FormatError(where + ": dilations " + dims_text(dilations) +
                        " are not supported; nin pooling has dilation 1");
    OnnxPooling p;
    p.kernel_h = kernel[0];
    p.kernel_w = kernel[1];
    p.stride_h = strides[0];
    p.stride_w = strides[1];
    const Window2d w{p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, 0, 0};
    if (w.stride_h < 1 || w.stride_w < 1 || w.kernel_h < 1 || w.kernel_w < 1)
      throw FormatError(where + ": kernel_shape " + dims_text(kernel) + " and strides " +
                        dims_text(strides) + " must be positive");
    check_extents(where, "kernel_shape", kernel);
    check_extents(where, "strides", strides);
    const Dims pads = padding(a, w, where);
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    p.pad_bottom = pads[2];
    p.pad_right = pads[3];
    p.ceil_mode = a.integer("ceil_mode", 0) != 0;
    p.count_include_pad = a.integer("count_include_pad", 0) != 0;
    const PoolingMatch match = nin_window_for(p, shape_.height, shape_.width, average);
    if (!match.problem.empty())
      throw FormatError(where + " (input " + shape_text() + "): " + match.problem +
                        "; nin cannot reproduce it exactly");
    DerivedLayer& layer = add_layer(average ? LayerType::avg_pool : LayerType::max_pool, node);
    layer.spec.window = match.window;
    layer.spec.ceil_mode = match.ceil_mode;
    shape_ = pooled_shape(shape_, match.window, match.ceil_mode);
  }

  void batch_norm(const onnx::NodeProto& node, const std::string& where) {
    require_planes(where);
    const Attributes a(
        node, where,
        {"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"});
    if (a.integer("training_mode", 0) != 0)
      throw FormatError(where +
                        ": training_mode=1 normalises with batch statistics; nin maps "
                        "inference with the running statistics");
    if (a.integer("spatial", 1) != 1)
      throw FormatError(where + ": spatial=0 (per-position statistics) is not supported");
    const float epsilon = a.real("epsilon", 1e-5f);
    if (!(epsilon > 0.0f && epsilon <= 1.0f))
      throw FormatError(where + ": epsilon " + std::to_string(epsilon) +
                        " is outside nin's range (0, 1]");
    DerivedLayer& layer = add_layer(LayerType::batch_norm, node);
    layer.spec.bn_eps = shortest_decimal(epsilon);
    // ONNX weighs the running statistic by momentum, nin the new batch statistic; rounded to six
    // digits, 1 − 0.9f reads 0.1.
    const double momentum = 1.0 - static_cast<double>(a.real("momentum", 0.9f));
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", momentum);
    layer.spec.bn_momentum = std::strtod(text, nullptr);
    if (!(layer.spec.bn_momentum > 0.0 && layer.spec.bn_momentum <= 1.0))
      layer.spec.bn_momentum = 0.1;  // only further training uses it
    const char* roles[] = {"scale", "bias", "mean", "var"};
    const char* names[] = {"scale", "shift", "running_mean", "running_var"};
    for (int i = 0; i < 4; ++i)
      layer.tensors.push_back(
          {"", names[i], {shape_.channels}, channel_vector(node, i + 1, roles[i], where)});
  }

  void dropout(const onnx::NodeProto& node, const std::string& where) {
    const Attributes a(node, where, {"ratio", "is_test", "seed"});
    float ratio = a.real("ratio", 0.5f);
    if (node.input_size() > 1 && !node.input(1).empty()) {
      const std::string ratio_where = where + ": ratio '" + node.input(1) + "'";
      const auto& tensor = constants_.get(node.input(1), ratio_where);
      const auto values = onnx_tensors::read_floats(tensor, ratio_where);
      if (values.size() != 1) throw FormatError(ratio_where + " is not one value");
      ratio = values[0];
    }
    if (node.input_size() > 2 && !node.input(2).empty()) {
      const std::string mode_where = where + ": training_mode '" + node.input(2) + "'";
      const auto& tensor = constants_.get(node.input(2), mode_where);
      const bool is_false =
          tensor.data_type() == onnx::TensorProto::BOOL &&
          (tensor.has_raw_data() ? tensor.raw_data() == std::string(1, '\0')
                                 : tensor.int32_data_size() == 1 && tensor.int32_data(0) == 0);
      if (!is_false) throw FormatError(mode_where + " is not false; nin maps dropout at inference");
    }
    if (ratio >= 0.0f && ratio <= 0.99f) {
      add_layer(LayerType::dropout, node).spec.dropout_ratio = shortest_decimal(ratio);
    } else {
      notes_.push_back(where.substr(file_.size() + 2) + " with ratio " + std::to_string(ratio) +
                       " is left out (the identity at inference; nin's ratios are 0 to 0.99)");
    }
  }

  void global_pool(const onnx::NodeProto& node, const std::string& where) {
    require_planes(where);
    add_layer(LayerType::global_avg_pool, node);
    shape_.height = shape_.width = 1;
  }

  // Axes normalised to 0..3 and sorted.
  Dims plane_axes(Dims axes) const {
    for (auto& axis : axes) axis = axis < 0 ? axis + 4 : axis;
    std::sort(axes.begin(), axes.end());
    return axes;
  }

  Dims axes_of(const onnx::NodeProto& node, const Attributes& a, int input,
               const std::string& where) const {
    if (a.has("axes")) return a.integers("axes", {});
    if (node.input_size() > input && !node.input(input).empty()) {
      const std::string axes_where = where + ": axes '" + node.input(input) + "'";
      return onnx_tensors::read_integers(constants_.get(node.input(input), axes_where), axes_where);
    }
    return {};
  }

  void reduce_mean(const onnx::NodeProto& node, const std::string& where) {
    const Attributes a(node, where, {"axes", "keepdims", "noop_with_empty_axes"});
    const Dims axes = plane_axes(axes_of(node, a, 1, where));
    if (axes != Dims{2, 3})
      throw FormatError(where + ": averages over axes " + dims_text(axes) +
                        "; nin maps the mean over the plane (axes [2,3]) only");
    global_pool(node, where);
    if (a.integer("keepdims", 1) == 0) flat_ = true;
  }

  // Flatten, Reshape or Squeeze from [N, classes, 1, 1] to [N, classes]: nothing to compute.
  void flatten(const onnx::NodeProto& node, const std::string& where) {
    const std::string& op = node.op_type();
    const Attributes a = op == "Flatten"   ? Attributes(node, where, {"axis"})
                         : op == "Reshape" ? Attributes(node, where, {"allowzero"})
                                           : Attributes(node, where, {"axes"});
    if (shape_.height != 1 || shape_.width != 1)
      throw FormatError(where + " flattens " + shape_text() +
                        " features per image; nin networks end with global average pooling (one "
                        "value per class), not a fully connected head");
    const std::int64_t classes = shape_.channels;
    bool ok = true;
    if (op == "Flatten") {
      const std::int64_t axis = a.integer("axis", 1);
      ok = axis == 1 || (axis == -3 && !flat_) || (axis == -1 && flat_);
    } else if (op == "Reshape") {
      const std::string shape_where =
          where + ": shape '" + (node.input_size() > 1 ? node.input(1) : "") + "'";
      const Dims target =
          onnx_tensors::read_integers(constant_input(node, 1, "shape", where), shape_where);
      const bool zero_copies = a.integer("allowzero", 0) == 0;
      ok = target.size() == 2;
      if (ok) {
        const std::int64_t n = target[0], k = target[1];
        const bool k_ok = k == classes || k == -1 || (k == 0 && zero_copies);
        const bool n_ok = (n == 0 && zero_copies) || (n == -1 && k != -1) ||
                          (fixed_batch_ > 0 && n == fixed_batch_);
        ok = k_ok && n_ok;
      }
      if (!ok)
        throw FormatError(where + ": reshapes to " + (target.empty() ? "[]" : dims_text(target)) +
                          "; nin maps only a reshape to [batch, classes] after global pooling");
    } else {
      const Dims axes = plane_axes(axes_of(node, a, 1, where));
      ok = flat_ ? false : axes == Dims{2, 3};
    }
    if (!ok)
      throw FormatError(where +
                        ": does not give [batch, classes]; nin maps only flattening the "
                        "pooled class scores");
    flat_ = true;
  }

  void pad(const onnx::NodeProto& node, const std::string& where) {
    const Attributes a(node, where, {"mode", "pads", "value"});
    Dims pads = a.integers("pads", {});
    if (node.input_size() > 1 && !node.input(1).empty()) {
      const std::string pads_where = where + ": pads '" + node.input(1) + "'";
      pads = onnx_tensors::read_integers(constants_.get(node.input(1), pads_where), pads_where);
    }
    if (std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p != 0; }))
      throw FormatError(where + ": pads the activations by " + dims_text(pads) +
                        "; nin maps only a Pad that adds nothing (PyTorch writes such a Pad for "
                        "AvgPool2d with padding and count_include_pad=True, whose averages count "
                        "the padding: use count_include_pad=False)");
  }

  // Leading Sub and Div by per-channel constants: the input normalisation (x − mean) / std.
  void normalization(const onnx::NodeProto& node, const std::string& where, bool subtract) {
    Attributes(node, where, {});
    if (!layers_.empty() || (subtract && (seen_sub_ || seen_div_)) || (!subtract && seen_div_))
      throw FormatError(where +
                        ": nin maps Sub and Div only as the input normalisation "
                        "(x − mean) / std before the first layer");
    if (node.input_size() != 2) throw FormatError(where + ": expected two inputs");
    const std::string values_where = where + ": operand '" + node.input(1) + "'";
    const onnx::TensorProto& tensor = constants_.get(node.input(1), values_where);
    const Dims dims = onnx_tensors::checked_dims(tensor, values_where);
    // Broadcast against [N, C, H, W]: one value, or one per channel.
    bool per_channel = dims.size() <= 4;
    for (std::size_t i = 0; per_channel && i < dims.size(); ++i) {
      const std::size_t axis = 4 - dims.size() + i;
      per_channel = dims[i] == 1 || (axis == 1 && dims[i] == shape_.channels);
    }
    if (!per_channel)
      throw FormatError(values_where + " is " + dims_text(dims) +
                        "; the input normalisation takes one value per channel ([1," +
                        std::to_string(shape_.channels) + ",1,1]) or one for all");
    const std::vector<float> values = onnx_tensors::read_floats(tensor, values_where);
    std::vector<float> per(static_cast<std::size_t>(shape_.channels));
    for (std::size_t c = 0; c < per.size(); ++c) per[c] = values[values.size() == 1 ? 0 : c];
    for (const float v : per)
      if (!std::isfinite(v) || (!subtract && !(v > 0.0f)))
        throw FormatError(values_where + " holds " + std::to_string(v) +
                          (subtract ? ", expected finite means" : ", expected positive divisors"));
    if (normalization_.mean.empty()) {
      normalization_.mean.assign(per.size(), 0.0f);
      normalization_.std.assign(per.size(), 1.0f);
    }
    (subtract ? normalization_.mean : normalization_.std) = per;
    (subtract ? seen_sub_ : seen_div_) = true;
  }

  void softmax(const onnx::NodeProto& node, const std::string& where) {
    const Attributes a(node, where, {"axis"});
    const std::int64_t axis = a.integer("axis", opset_ >= 13 ? -1 : 1);
    const bool over_classes = axis == 1 || (flat_ && axis == -1);
    if (node.output(0) != output_name_ || !over_classes || shape_.height != 1 || shape_.width != 1)
      throw FormatError(where + ": nin maps Softmax only at the end, over the class scores");
    notes_.push_back(where.substr(file_.size() + 2) +
                     " at the end is left out: nin models output logits (nin-eval applies the "
                     "softmax itself)");
  }

  const onnx::ModelProto& model_;
  const onnx::GraphProto& graph_;
  std::string source_;
  std::string file_;
  onnx_tensors::GraphConstants constants_;
  std::int64_t opset_ = 0;
  std::string current_;      // the activation the chain has reached
  std::string output_name_;  // the graph's output
  Shape input_shape_;
  Shape shape_;  // of `current_`, per image
  bool flat_ = false;
  std::int64_t fixed_batch_ = 0;  // the input's batch size when the graph fixes it
  bool seen_sub_ = false, seen_div_ = false;
  Normalization normalization_;
  std::vector<DerivedLayer> layers_;
  std::vector<std::pair<std::string, std::string>> layer_nodes_;  // node name and op of each layer
  std::vector<std::string> notes_;
};

}  // namespace

ImportedModel map_graph(const onnx::ModelProto& model, const std::string& source) {
  GraphMapper mapper(model, source);
  mapper.map();
  return mapper.result();
}

}  // namespace nin::onnx_mapping
