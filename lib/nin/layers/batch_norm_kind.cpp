// The "batch_norm" layer kind: spec fields, cost (a scale and a shift per channel), notation and
// ONNX BatchNormalization.

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "nin/core/checked_math.hpp"
#include "nin/layers/batch_norm.hpp"
#include "nin/layers/kind_support.hpp"
#include "nin/spec/notation.hpp"
#include "nin/spec/spec_fields.hpp"

namespace nin {
namespace {

class BatchNormKind final : public LayerKind {
 public:
  std::string_view name() const override { return "batch_norm"; }
  std::vector<std::string_view> fields() const override {
    return {"momentum", "eps", "lr_mult", "bias_lr_mult"};
  }
  void read(const FieldReader& f, LayerSpec& layer) const override {
    layer.bn_momentum = f.number_or("momentum", 0.1, 0.0, 1.0, false);
    layer.bn_eps = f.number_or("eps", 1e-5, 0.0, 1.0, false);
    layer.lr_mult = f.number_or("lr_mult", 1.0, 0.0, 1e6);
    layer.bias_lr_mult = f.number_or("bias_lr_mult", 1.0, 0.0, 1e6);
  }
  void write(const LayerSpec& l, nlohmann::json& j) const override {
    j["momentum"] = l.bn_momentum;
    j["eps"] = l.bn_eps;
    if (l.lr_mult != 1.0) j["lr_mult"] = l.lr_mult;
    if (l.bias_lr_mult != 1.0) j["bias_lr_mult"] = l.bias_lr_mult;
  }
  Shape output_shape(const LayerSpec& layer, const ShapeContext&) const override {
    return layer.input;
  }
  LayerCost cost(const LayerSpec& layer, const std::string& where) const override {
    LayerCost cost;
    cost.parameters =
        checked_count(checked_mul<std::int64_t>(2, layer.input.channels), where, "parameters");
    return cost;
  }
  LayerNotation notation(const LayerSpec& layer, Language language) const override {
    return {language == Language::zh ? "批归一化" : "batch norm", "",
            "2" + notation::kTimes + std::to_string(layer.input.channels)};
  }
  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t, bool) const override {
    return std::make_unique<BatchNorm>(layer);
  }
  void export_onnx(const LayerSpec& layer, OnnxLayerExport& out) const override {
    out.add_node("BatchNormalization", {"scale", "shift", "running_mean", "running_var"})
        .real("epsilon", static_cast<float>(layer.bn_eps))
        // ONNX weighs the running statistic by momentum, nin the new batch statistic.
        .real("momentum", static_cast<float>(1.0 - layer.bn_momentum));
  }
  std::vector<std::string_view> onnx_ops() const override { return {"BatchNormalization"}; }
  void import_onnx(OnnxNodeImport& node) const override {
    node.require_planes();
    node.known_attributes(
        {"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"});
    if (node.integer("training_mode", 0) != 0)
      node.fail(
          "training_mode=1 normalises with batch statistics; nin maps inference with the running "
          "statistics");
    if (node.integer("spatial", 1) != 1)
      node.fail("spatial=0 (per-position statistics) is not supported");
    const float epsilon = node.real("epsilon", 1e-5f);
    if (!(epsilon > 0.0f && epsilon <= 1.0f))
      node.fail("epsilon " + std::to_string(epsilon) + " is outside nin's range (0, 1]");
    const Shape shape = node.shape();
    LayerSpec& layer = node.add_layer(name());
    layer.bn_eps = kinds::shortest_decimal(epsilon);
    // ONNX weighs the running statistic by momentum, nin the new batch statistic; rounded to six
    // digits, 1 − 0.9f reads 0.1.
    const double momentum = 1.0 - static_cast<double>(node.real("momentum", 0.9f));
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", momentum);
    layer.bn_momentum = std::strtod(text, nullptr);
    if (!(layer.bn_momentum > 0.0 && layer.bn_momentum <= 1.0))
      layer.bn_momentum = 0.1;  // only further training uses it
    const char* roles[] = {"scale", "bias", "mean", "var"};
    const char* names[] = {"scale", "shift", "running_mean", "running_var"};
    for (int i = 0; i < 4; ++i) {
      const OnnxDims dims = node.dims(i + 1, roles[i]);
      if (dims != OnnxDims{shape.channels})
        node.fail(std::string(roles[i]) + " '" + node.input_name(i + 1) + "' is " +
                  onnx_dims_text(dims) + ", but the input has " + std::to_string(shape.channels) +
                  " channels (expected [" + std::to_string(shape.channels) + "])");
      OnnxFloats values = node.floats(i + 1, roles[i]);
      node.add_tensor(names[i], values.dims, std::move(values.values));
    }
    node.set_shape(shape, false);
  }
  bool same_computation(const LayerSpec& a, const LayerSpec& b) const override {
    return static_cast<float>(a.bn_eps) == static_cast<float>(b.bn_eps);
  }
};

}  // namespace

const LayerKind& batch_norm_kind() {
  static const BatchNormKind kind;
  return kind;
}

}  // namespace nin
