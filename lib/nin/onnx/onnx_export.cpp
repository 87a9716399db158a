#include "nin/onnx/onnx_export.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <bit>
#include <cstdint>
#include <map>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/onnx/onnx_metadata.hpp"
#include "nin/onnx/onnx_pooling.hpp"

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

void add_layer(ChainBuilder& chain, const LayerSpec& layer,
               const std::map<std::string, StoredTensor>& tensors, OnnxExport& summary) {
  const std::string output = layer.name + "/output";
  // Initializers for the named tensors of this layer, in the order the node takes them.
  const auto constants = [&](std::initializer_list<const char*> names) {
    std::vector<std::string> inputs;
    for (const char* name : names) {
      const std::string key = layer.name + "/" + name;
      const auto found = tensors.find(key);
      if (found == tensors.end()) continue;  // a convolution without bias
      chain.add_constant(key, found->second.dims, found->second.values);
      inputs.push_back(key);
    }
    return inputs;
  };
  const Window2d& w = layer.window;
  switch (layer.type) {
    case LayerType::convolution: {
      auto& node = chain.add("Conv", layer.name, output, constants({"weight", "bias"}));
      set_ints(node, "kernel_shape", {w.kernel_h, w.kernel_w});
      set_ints(node, "strides", {w.stride_h, w.stride_w});
      set_ints(node, "pads", {w.pad_h, w.pad_w, w.pad_h, w.pad_w});
      set_ints(node, "dilations", {1, 1});
      set_int(node, "group", 1);
      break;
    }
    case LayerType::relu:
      chain.add("Relu", layer.name, output);
      break;
    case LayerType::max_pool:
    case LayerType::avg_pool: {
      const bool average = layer.type == LayerType::avg_pool;
      const OnnxPooling p =
          onnx_pooling_for(w, layer.ceil_mode, layer.input.height, layer.input.width);
      auto& node = chain.add(average ? "AveragePool" : "MaxPool", layer.name, output);
      set_ints(node, "kernel_shape", {p.kernel_h, p.kernel_w});
      set_ints(node, "strides", {p.stride_h, p.stride_w});
      set_ints(node, "pads", {p.pad_top, p.pad_left, p.pad_bottom, p.pad_right});
      set_int(node, "ceil_mode", p.ceil_mode ? 1 : 0);
      if (average) set_int(node, "count_include_pad", 0);
      break;
    }
    case LayerType::batch_norm: {
      auto& node = chain.add("BatchNormalization", layer.name, output,
                             constants({"scale", "shift", "running_mean", "running_var"}));
      set_float(node, "epsilon", static_cast<float>(layer.bn_eps));
      // ONNX weighs the running statistic by momentum, nin the new batch statistic.
      set_float(node, "momentum", static_cast<float>(1.0 - layer.bn_momentum));
      break;
    }
    case LayerType::global_avg_pool:
      chain.add("GlobalAveragePool", layer.name, output);
      break;
    case LayerType::dropout:
      summary.dropped.push_back(layer.name);  // the identity at inference
      break;
  }
}

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
  for (const auto& layer : spec.layers) add_layer(chain, layer, tensors, summary);

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
