#include "nin/onnx/onnx_graph_mapper.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/layers/layer_registry.hpp"
#include "nin/onnx/onnx_layer_mapping.hpp"
#include "nin/onnx/onnx_tensors.hpp"

namespace nin::onnx_mapping {
namespace {

namespace fs = std::filesystem;
using onnx_tensors::Dims;
using onnx_tensors::dims_text;

// Opsets whose versions of the mapped operators this importer knows.
constexpr std::int64_t kMinOpset = 7;
constexpr std::int64_t kMaxOpset = 22;

// The ops of the layer kinds, then those the mapper handles itself.
std::string supported_ops() {
  std::string text;
  for (const LayerKind* kind : layer_registry().kinds())
    for (const auto op : kind->onnx_ops()) text += std::string(op) + ", ";
  return text +
         "Flatten, Reshape, Squeeze, Identity, Pad (adding nothing), Constant, a leading Sub/Div "
         "and a final Softmax";
}

std::string in_quotes(const std::string& text) {
  return "'" + text + "'";
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
                        "(global average pooling or a fully connected layer)");
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
      throw FormatError(where + " is not supported in this position; nin maps " + supported_ops());
    check_extra_outputs_unused(node, where);
    if (!standard) unsupported(where);
    if (const LayerKind* kind = layer_registry().find_onnx_op(op)) {
      NodeImport import(*this, node, where);
      kind->import_onnx(import);
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
    throw FormatError(where + ": unsupported op; nin maps " + supported_ops());
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

  DerivedLayer& add_layer(std::string_view type, const onnx::NodeProto& node) {
    layers_.push_back({});
    layers_.back().spec.type = type;
    layer_nodes_.emplace_back(node.name(), node.op_type());
    return layers_.back();
  }

  // One node as a layer kind sees it (nin/onnx/onnx_layer_mapping.hpp).
  class NodeImport final : public OnnxNodeImport {
   public:
    NodeImport(GraphMapper& mapper, const onnx::NodeProto& node, const std::string& where)
        : mapper_(mapper), node_(node), where_(where) {}

    const std::string& op() const override { return node_.op_type(); }
    const std::string& where() const override { return where_; }
    [[noreturn]] void fail(const std::string& what) const override {
      throw FormatError(where_ + ": " + what);
    }

    void known_attributes(std::initializer_list<const char*> known) override {
      attributes_.emplace(node_, where_, known);
    }
    bool has(const char* name) const override { return attributes().has(name); }
    std::int64_t integer(const char* name, std::int64_t fallback) const override {
      return attributes().integer(name, fallback);
    }
    float real(const char* name, float fallback) const override {
      return attributes().real(name, fallback);
    }
    std::string text(const char* name, const std::string& fallback) const override {
      return attributes().text(name, fallback);
    }
    OnnxDims integers(const char* name, const OnnxDims& fallback, std::size_t size) const override {
      return attributes().integers(name, fallback, size);
    }

    int input_count() const override { return node_.input_size(); }
    bool has_input(int i) const override {
      return node_.input_size() > i && !node_.input(i).empty();
    }
    const std::string& input_name(int i) const override {
      static const std::string none;
      return node_.input_size() > i ? node_.input(i) : none;
    }
    OnnxDims dims(int i, const char* role) const override {
      const onnx::TensorProto& tensor = mapper_.constant_input(node_, i, role, where_);
      return onnx_tensors::checked_dims(tensor, where_ + ": " + role + " '" + node_.input(i) + "'");
    }
    OnnxFloats floats(int i, const char* role) const override {
      const onnx::TensorProto& tensor = mapper_.constant_input(node_, i, role, where_);
      const std::string tensor_where = where_ + ": " + role + " '" + node_.input(i) + "'";
      OnnxFloats result;
      result.dims = onnx_tensors::checked_dims(tensor, tensor_where);
      result.values = onnx_tensors::read_floats(tensor, tensor_where);
      return result;
    }
    OnnxDims integer_constant(int i, const char* role) const override {
      const std::string tensor_where = where_ + ": " + role + " '" + node_.input(i) + "'";
      return onnx_tensors::read_integers(mapper_.constants_.get(node_.input(i), tensor_where),
                                         tensor_where);
    }
    bool is_false(int i, const char* role) const override {
      const std::string tensor_where = where_ + ": " + role + " '" + node_.input(i) + "'";
      const auto& tensor = mapper_.constants_.get(node_.input(i), tensor_where);
      return tensor.data_type() == onnx::TensorProto::BOOL &&
             (tensor.has_raw_data() ? tensor.raw_data() == std::string(1, '\0')
                                    : tensor.int32_data_size() == 1 && tensor.int32_data(0) == 0);
    }

    const Shape& shape() const override { return mapper_.shape_; }
    bool flat() const override { return mapper_.flat_; }
    void require_planes() const override { mapper_.require_planes(where_); }
    OnnxDims padding(const Window2d& window) const override {
      return mapper_.padding(attributes(), window, where_);
    }
    void check_extents(const char* name, const OnnxDims& values) const override {
      GraphMapper::check_extents(where_, name, values);
    }

    LayerSpec& add_layer(std::string_view type) override {
      return mapper_.add_layer(type, node_).spec;
    }
    void add_tensor(const std::string& name, const OnnxDims& dims,
                    std::vector<float> values) override {
      mapper_.layers_.back().tensors.push_back({"", name, dims, std::move(values)});
    }
    void set_shape(const Shape& shape, bool flat) override {
      mapper_.shape_ = shape;
      mapper_.flat_ = flat;
    }
    void note(const std::string& text) override {
      mapper_.notes_.push_back(where_.substr(mapper_.file_.size() + 2) + " " + text);
    }

   private:
    const Attributes& attributes() const {
      if (!attributes_) throw Error("internal error: " + where_ + ": attributes read before known");
      return *attributes_;
    }
    GraphMapper& mapper_;
    const onnx::NodeProto& node_;
    const std::string& where_;
    std::optional<Attributes> attributes_;
  };

  const onnx::TensorProto& constant_input(const onnx::NodeProto& node, int i, const char* role,
                                          const std::string& where) const {
    if (node.input_size() <= i || node.input(i).empty())
      throw FormatError(where + ": has no " + role + " input");
    return constants_.get(node.input(i), where + ": " + role + " '" + node.input(i) + "'");
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

  // Flatten, Reshape or Squeeze from [N, C, H, W] to [N, C·H·W] (PyTorch's order, which a fully
  // connected layer reads): nothing to compute. On a value that is flat already, the identity.
  void flatten(const onnx::NodeProto& node, const std::string& where) {
    const std::string& op = node.op_type();
    const Attributes a = op == "Flatten"   ? Attributes(node, where, {"axis"})
                         : op == "Reshape" ? Attributes(node, where, {"allowzero"})
                                           : Attributes(node, where, {"axes"});
    const std::int64_t features = shape_.elements();
    // The size of axis 1 as the graph sees it.
    const std::int64_t axis1 = flat_ ? features : shape_.channels;
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
        const bool k_ok = k == features || k == -1 || (k == 0 && zero_copies && axis1 == features);
        const bool n_ok = (n == 0 && zero_copies) || (n == -1 && k != -1) ||
                          (fixed_batch_ > 0 && n == fixed_batch_);
        ok = k_ok && n_ok;
      }
      if (!ok)
        throw FormatError(where + ": reshapes to " + (target.empty() ? "[]" : dims_text(target)) +
                          "; nin maps only a reshape to [batch, " + std::to_string(features) +
                          "] (flattening " + shape_text() + " features per image)");
    } else {
      const Dims axes = plane_axes(axes_of(node, a, 1, where));
      ok = !flat_ && axes == Dims{2, 3} && shape_.height == 1 && shape_.width == 1;
    }
    if (!ok)
      throw FormatError(where + ": does not give [batch, " + std::to_string(features) +
                        "]; nin maps only flattening the " + shape_text() +
                        " features of each image");
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
