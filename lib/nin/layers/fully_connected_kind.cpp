// The "fully_connected" layer kind: spec fields, shapes, cost, notation and ONNX Flatten + Gemm.

#include <nlohmann/json.hpp>

#include "nin/core/checked_math.hpp"
#include "nin/core/error.hpp"
#include "nin/layers/fully_connected.hpp"
#include "nin/layers/kind_support.hpp"
#include "nin/spec/notation.hpp"
#include "nin/spec/spec_fields.hpp"

namespace nin {
namespace {

using notation::kTimes;

class FullyConnectedKind final : public LayerKind {
 public:
  std::string_view name() const override { return "fully_connected"; }

  std::vector<std::string_view> fields() const override {
    return {"outputs", "bias", "init", "lr_mult", "bias_lr_mult"};
  }

  void read(const FieldReader& f, LayerSpec& layer) const override {
    read_weighted_layer(f, layer);
  }

  void write(const LayerSpec& l, nlohmann::json& j) const override { write_weighted_layer(l, j); }

  Shape output_shape(const LayerSpec& layer, const ShapeContext& ctx) const override {
    if (layer.outputs <= 0 || layer.outputs > kMaxSpecChannels)
      ctx.fail(layer, "outputs " + std::to_string(layer.outputs) + " must be in 1.." +
                          std::to_string(kMaxSpecChannels));
    const auto weights = checked_mul(layer.input.elements(), layer.outputs);
    if (!weights || *weights > kMaxSpecElements)
      ctx.fail(layer, std::to_string(layer.input.elements()) + "x" + std::to_string(layer.outputs) +
                          " weights are more than 2^31");
    return {layer.outputs, 1, 1};
  }

  bool sets_outputs() const override { return true; }
  bool needs_planes() const override { return false; }
  bool flattens() const override { return true; }

  LayerCost cost(const LayerSpec& layer, const std::string& where) const override {
    LayerCost cost;
    const std::int64_t features = layer.input.elements();
    cost.parameters = checked_count(
        checked_product({features + (layer.bias ? 1 : 0), layer.outputs}), where, "parameters");
    cost.macs = checked_count(checked_mul(features, layer.outputs), where, "MACs");
    return cost;
  }

  LayerNotation notation(const LayerSpec& layer, Language language) const override {
    const std::string in = std::to_string(layer.input.elements());
    const std::string out = std::to_string(layer.outputs);
    return {language == Language::zh ? "展平全连接层" : "fully connected", in + kTimes + out,
            layer.bias ? "((" + in + "+1)" + kTimes + out + ")" : "(" + in + kTimes + out + ")"};
  }

  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t max_batch,
                              bool training) const override {
    return std::make_unique<FullyConnected>(layer, max_batch, training);
  }

  // PyTorch's Flatten + Linear: Gemm(x, W, b) with transB = 1 reads W as [outputs][features]
  // (without a bias too: opset 13 makes it optional).
  void export_onnx(const LayerSpec&, OnnxLayerExport& out) const override {
    out.flatten();
    out.add_node("Gemm", {"weight", "bias"}).integer("transB", 1);
  }

  // Gemm (PyTorch's Linear with a bias), or MatMul (without one).
  std::vector<std::string_view> onnx_ops() const override { return {"Gemm", "MatMul"}; }

  void import_onnx(OnnxNodeImport& node) const override {
    const bool matmul = node.op() == "MatMul";
    if (matmul)
      node.known_attributes({});
    else
      node.known_attributes({"alpha", "beta", "transA", "transB"});
    if (!node.flat())
      node.fail("reads " + kinds::shape_text(node.shape(), "×") +
                " image planes; nin maps Gemm on flattened features (after Flatten)");
    if (node.real("alpha", 1.0f) != 1.0f || node.real("beta", 1.0f) != 1.0f ||
        node.integer("transA", 0) != 0)
      node.fail("nin maps Gemm with alpha 1, beta 1 and transA 0 (a fully connected layer)");
    const bool transposed = node.integer("transB", 0) != 0;
    const std::int64_t features = node.shape().elements();
    const OnnxDims w_dims = node.dims(1, "weight");
    if (w_dims.size() != 2 || w_dims[transposed ? 1 : 0] != features ||
        w_dims[transposed ? 0 : 1] < 1)
      node.fail("weight '" + node.input_name(1) + "' is " + onnx_dims_text(w_dims) +
                ", but the input has " + std::to_string(features) + " features (expected " +
                (transposed ? "[outputs," + std::to_string(features) + "]"
                            : "[" + std::to_string(features) + ",outputs]") +
                ")");
    const std::int64_t outputs = w_dims[transposed ? 0 : 1];
    if (outputs > kMaxSpecChannels)
      node.fail(std::to_string(outputs) + " outputs exceed nin's limit of " +
                std::to_string(kMaxSpecChannels));
    OnnxFloats weight = node.floats(1, "weight");
    if (!transposed) {  // [features][outputs] → [outputs][features]
      std::vector<float> rows(weight.values.size());
      for (std::int64_t f = 0; f < features; ++f)
        for (std::int64_t o = 0; o < outputs; ++o)
          rows[static_cast<std::size_t>(o * features + f)] =
              weight.values[static_cast<std::size_t>(f * outputs + o)];
      weight.values = std::move(rows);
    }
    const bool bias = !matmul && node.has_input(2);
    OnnxFloats bias_values;
    if (bias) {
      const OnnxDims b_dims = node.dims(2, "bias");
      if (b_dims != OnnxDims{outputs} && b_dims != OnnxDims{1, outputs})
        node.fail("bias '" + node.input_name(2) + "' is " + onnx_dims_text(b_dims) +
                  ", expected [" + std::to_string(outputs) + "] (one per output)");
      bias_values = node.floats(2, "bias");
    }
    LayerSpec& layer = node.add_layer(name());
    layer.outputs = outputs;
    layer.bias = bias;
    node.add_tensor("weight", {outputs, features}, std::move(weight.values));
    if (bias) node.add_tensor("bias", {outputs}, std::move(bias_values.values));
    node.set_shape({outputs, 1, 1}, true);
  }

  bool same_computation(const LayerSpec& a, const LayerSpec& b) const override {
    return a.outputs == b.outputs && a.bias == b.bias;
  }
};

}  // namespace

const LayerKind& fully_connected_kind() {
  static const FullyConnectedKind kind;
  return kind;
}

}  // namespace nin
