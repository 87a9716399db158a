#include "nin/onnx/onnx_export.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/layers/layer_registry.hpp"
#include "nin/onnx/onnx_layer_mapping.hpp"
#include "nin/onnx/onnx_metadata.hpp"

namespace nin {
namespace {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; tensors are copied byte for byte");

using Dims = std::vector<std::int64_t>;

void set_ints(onnx::NodeProto& node, const char* name, const Dims& values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (const auto v : values) a->add_ints(v);
}

void set_int(onnx::NodeProto& node, const char* name, std::int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& node, const char* name, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_float_tensor_type(onnx::ValueInfoProto& info, const std::string& name,
                           const std::vector<std::string>& symbolic, const Dims& dims) {
  info.set_name(name);
  onnx::TypeProto::Tensor* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  for (const auto& s : symbolic) shape->add_dim()->set_dim_param(s);
  for (const auto d : dims) shape->add_dim()->set_dim_value(d);
}

// Appends nodes to a chain: each node reads the previous one's output.
class ChainBuilder {
 public:
  ChainBuilder(onnx::GraphProto& graph, OnnxExport& summary, std::string input)
      : graph_(graph), summary_(summary), current_(std::move(input)) {}

  // Adds a node reading the current value and `constants`, writing `output`.
  onnx::NodeProto& add(const char* op_type, const std::string& name, const std::string& output,
                       const std::vector<std::string>& constants = {}) {
    onnx::NodeProto* node = graph_.add_node();
    node->set_op_type(op_type);
    node->set_name(name);
    node->add_input(current_);
    for (const auto& c : constants) node->add_input(c);
    node->add_output(output);
    current_ = output;
    summary_.nodes.push_back({op_type, name});
    return *node;
  }

  // A float32 initializer holding `count` values, stored byte for byte.
  void add_constant(const std::string& name, const Dims& dims, const float* values) {
    onnx::TensorProto* tensor = graph_.add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t count = 1;
    for (const auto d : dims) {
      tensor->add_dims(d);
      count *= d;
    }
    tensor->set_raw_data(values, static_cast<std::size_t>(count) * sizeof(float));
  }

  const std::string& current() const { return current_; }

 private:
  onnx::GraphProto& graph_;
  OnnxExport& summary_;
  std::string current_;
};

struct StoredTensor {
  Dims dims;
  const float* values;
};

// Every parameter and state tensor of the network, by "<layer>/<name>" (the initializer's name;
// '/' cannot occur in a layer name, so these never clash with node or activation names).
std::map<std::string, StoredTensor> stored_tensors(Network& network) {
  std::map<std::string, StoredTensor> tensors;
  for (const auto& p : network.parameters())
    tensors[p.layer + "/" + p.parameter->name] = {p.parameter->dims, p.parameter->value};
  for (const auto& s : network.state())
    tensors[s.layer + "/" + s.state->name] = {s.state->dims, s.state->value};
  return tensors;
}

void add_normalization(ChainBuilder& chain, const Normalization& n, std::int64_t channels) {
  const Dims per_channel = {1, channels, 1, 1};
  // Named like a layer's tensors ("<layer>/<name>"), under a name no layer tensor has.
  chain.add_constant("input/mean", per_channel, n.mean.data());
  chain.add_constant("input/std", per_channel, n.std.data());
  chain.add("Sub", "normalization/sub", "input/centered", {"input/mean"});
  chain.add("Div", "normalization/div", "input/normalized", {"input/std"});
}

class NodeAttributes final : public OnnxNodeAttributes {
 public:
  explicit NodeAttributes(onnx::NodeProto& node) : node_(node) {}
  OnnxNodeAttributes& integers(const char* name, const OnnxDims& values) override {
    set_ints(node_, name, values);
    return *this;
  }
  OnnxNodeAttributes& integer(const char* name, std::int64_t value) override {
    set_int(node_, name, value);
    return *this;
  }
  OnnxNodeAttributes& real(const char* name, float value) override {
    set_float(node_, name, value);
    return *this;
  }

 private:
  onnx::NodeProto& node_;
};

// One layer's export onto the chain: its nodes are named after it, its output "<layer>/output",
// its tensors the initializers "<layer>/<name>".
class LayerExport final : public OnnxLayerExport {
 public:
  LayerExport(ChainBuilder& chain, const LayerSpec& layer,
              const std::map<std::string, StoredTensor>& tensors, OnnxExport& summary, bool& flat)
      : chain_(chain), layer_(layer), tensors_(tensors), summary_(summary), flat_(flat) {}

  OnnxNodeAttributes& add_node(const char* op_type,
                               std::initializer_list<const char*> names) override {
    std::vector<std::string> inputs;
    for (const char* name : names) {
      const std::string key = layer_.name + "/" + name;
      const auto found = tensors_.find(key);
      if (found == tensors_.end()) continue;  // a convolution without bias
      chain_.add_constant(key, found->second.dims, found->second.values);
      inputs.push_back(key);
    }
    attributes_.push_back(std::make_unique<NodeAttributes>(
        chain_.add(op_type, layer_.name, layer_.name + "/output", inputs)));
    return *attributes_.back();
  }

  void flatten() override {
    if (flat_) return;
    set_int(chain_.add("Flatten", layer_.name + "/flatten", layer_.name + "/flat"), "axis", 1);
    flat_ = true;
  }

  void leave_out() override { summary_.dropped.push_back(layer_.name); }

 private:
  ChainBuilder& chain_;
  const LayerSpec& layer_;
  const std::map<std::string, StoredTensor>& tensors_;
  OnnxExport& summary_;
  bool& flat_;
  std::vector<std::unique_ptr<NodeAttributes>> attributes_;
};

}  // namespace

OnnxExport export_onnx(Network& network, const ModelInfo& info, const OnnxExportOptions& options) {
  const NetworkSpec& spec = network.spec();
  OnnxExport summary;
  onnx::ModelProto model;
  model.set_ir_version(kOnnxIrVersion);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpsetVersion);
  model.set_producer_name("nin");
  model.set_producer_version(NIN_VERSION);
  for (const auto& [key, value] : onnx_metadata_for(spec, info.provenance)) {
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }

  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name(spec.name.empty() ? "nin" : spec.name);
  if (!spec.description.empty()) graph.set_doc_string(spec.description);
  const Shape& in = spec.input;
  set_float_tensor_type(*graph.add_input(), kOnnxInputName, {kOnnxBatchDimension},
                        {in.channels, in.height, in.width});

  ChainBuilder chain(graph, summary, kOnnxInputName);
  if (!info.normalization.mean.empty()) add_normalization(chain, info.normalization, in.channels);
  const auto tensors = stored_tensors(network);
  bool flat = false;  // [N, C·H·W] rather than [N, C, H, W]
  for (const auto& layer : spec.layers) {
    LayerExport out(chain, layer, tensors, summary, flat);
    kind_of(layer).export_onnx(layer, out);
  }

  // '/' keeps these node names apart from layer names.
  const char* output = options.softmax ? kOnnxProbabilitiesName : kOnnxLogitsName;
  set_int(chain.add("Flatten", "output/flatten", options.softmax ? "output/logits" : output),
          "axis", 1);
  if (options.softmax) set_int(chain.add("Softmax", "output/softmax", output), "axis", 1);
  set_float_tensor_type(*graph.add_output(), output, {kOnnxBatchDimension}, {spec.classes});

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error("internal error: the exported ONNX model fails onnx::checker: " +
                std::string(e.what()));
  }
  if (!model.SerializeToString(&summary.bytes))
    throw Error("internal error: the ONNX model cannot be serialised (larger than 2 GiB?)");
  return summary;
}

}  // namespace nin
