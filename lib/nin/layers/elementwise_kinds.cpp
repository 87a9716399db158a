// The "relu" and "dropout" layer kinds: in place, no parameters; ONNX Relu and Dropout (left out of
// exports: the identity at inference).

#include <nlohmann/json.hpp>

#include "nin/layers/elementwise.hpp"
#include "nin/layers/kind_support.hpp"
#include "nin/spec/spec_fields.hpp"

namespace nin {
namespace {

class ReluKind final : public LayerKind {
 public:
  std::string_view name() const override { return "relu"; }
  Shape output_shape(const LayerSpec& layer, const ShapeContext&) const override {
    return layer.input;
  }
  bool in_place() const override { return true; }
  bool needs_planes() const override { return false; }
  LayerNotation notation(const LayerSpec&, Language) const override { return {"ReLU", "", "0"}; }
  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t, bool) const override {
    return std::make_unique<Relu>(layer);
  }
  void export_onnx(const LayerSpec&, OnnxLayerExport& out) const override { out.add_node("Relu"); }
  std::vector<std::string_view> onnx_ops() const override { return {"Relu"}; }
  void import_onnx(OnnxNodeImport& node) const override {
    node.known_attributes({});
    node.add_layer(name());
    node.set_shape(node.shape(), node.flat());
  }
};

class DropoutKind final : public LayerKind {
 public:
  std::string_view name() const override { return "dropout"; }
  std::vector<std::string_view> fields() const override { return {"ratio"}; }
  void read(const FieldReader& f, LayerSpec& layer) const override {
    layer.dropout_ratio = f.number_or("ratio", 0.5, 0.0, 0.99);
  }
  void write(const LayerSpec& l, nlohmann::json& j) const override { j["ratio"] = l.dropout_ratio; }
  Shape output_shape(const LayerSpec& layer, const ShapeContext&) const override {
    return layer.input;
  }
  bool in_place() const override { return true; }
  bool needs_planes() const override { return false; }
  LayerNotation notation(const LayerSpec&, Language language) const override {
    return {language == Language::zh ? "随机失活" : "dropout", "", "0"};
  }
  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t max_batch,
                              bool training) const override {
    return std::make_unique<Dropout>(layer, max_batch, training);
  }
  void export_onnx(const LayerSpec&, OnnxLayerExport& out) const override { out.leave_out(); }
  bool identity_at_inference() const override { return true; }
  std::vector<std::string_view> onnx_ops() const override { return {"Dropout"}; }
  void import_onnx(OnnxNodeImport& node) const override {
    node.known_attributes({"ratio", "is_test", "seed"});
    float ratio = node.real("ratio", 0.5f);
    if (node.has_input(1)) {
      const OnnxFloats values = node.floats(1, "ratio");
      if (values.values.size() != 1)
        node.fail("ratio '" + node.input_name(1) + "' is not one value");
      ratio = values.values[0];
    }
    if (node.has_input(2) && !node.is_false(2, "training_mode"))
      node.fail("training_mode '" + node.input_name(2) +
                "' is not false; nin maps dropout at inference");
    if (ratio >= 0.0f && ratio <= 0.99f) {
      node.add_layer(name()).dropout_ratio = kinds::shortest_decimal(ratio);
    } else {
      node.note("with ratio " + std::to_string(ratio) +
                " is left out (the identity at inference; nin's ratios are 0 to 0.99)");
    }
    node.set_shape(node.shape(), node.flat());
  }
};

}  // namespace

const LayerKind& relu_kind() {
  static const ReluKind kind;
  return kind;
}

const LayerKind& dropout_kind() {
  static const DropoutKind kind;
  return kind;
}

}  // namespace nin
