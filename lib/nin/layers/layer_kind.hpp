#pragma once
// A layer type, described in one place: its name and fields in a JSON spec, their validation,
// shape inference, what it costs, how nin-params writes it in the seed's notation, how a layer is
// built from it, and how it maps to and from ONNX. Each kind lives next to its layer
// (nin/layers/*_kind.cpp); the registry (layer_registry.hpp) lists them, and the rest of nin
// iterates over the registry instead of switching on the type.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nin/spec/layer_cost.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

class Layer;
class FieldReader;
class OnnxLayerExport;
class OnnxNodeImport;

// The language of nin-params' table (the seed writes Chinese).
enum class Language { en, zh };

// A layer's row in the seed's table 4.4 notation: "local full", "(3×3)×16/1", "(3×3×3+1)×16".
struct LayerNotation {
  std::string kind;
  std::string kernel;
  std::string formula;
};

// What shape inference knows besides the layer: the spec, for messages and the class count, and
// the latest earlier layer that chose its number of channels (a convolution's or fully connected
// layer's outputs), or null.
struct ShapeContext {
  const NetworkSpec& spec;
  const LayerSpec* last_with_outputs = nullptr;
  // SpecError "'source': layer 'name' (type): what".
  [[noreturn]] void fail(const LayerSpec& layer, const std::string& what) const;
  // SpecError "'source': what".
  [[noreturn]] void fail_network(const std::string& what) const;
};

class LayerKind {
 public:
  virtual ~LayerKind() = default;

  // The "type" of a spec's layer.
  virtual std::string_view name() const = 0;

  // Spec fields besides "name" and "type"; others are refused.
  virtual std::vector<std::string_view> fields() const { return {}; }
  // Reads and checks the fields into `layer` (defaults for those left out).
  virtual void read(const FieldReader& /*fields*/, LayerSpec& /*layer*/) const {}
  // Writes them back as read() reads them.
  virtual void write(const LayerSpec& /*layer*/, nlohmann::json& /*object*/) const {}

  // The output shape for layer.input, or ctx.fail() with what is wrong. Specs built in code (from
  // an ONNX graph) come here without read()'s checks, so the limits are checked again.
  virtual Shape output_shape(const LayerSpec& layer, const ShapeContext& ctx) const = 0;
  // True for layers that overwrite their input (ReLU, dropout): no activation buffer.
  virtual bool in_place() const { return false; }
  // True when the layer's "outputs" field sets its number of channels (with_classes() follows it).
  virtual bool sets_outputs() const { return false; }
  // True when the layer reads image planes (refused after the features were flattened).
  virtual bool needs_planes() const { return true; }
  // True when the layer reads its input as one vector per image.
  virtual bool flattens() const { return false; }

  // Trainable parameters and multiply-accumulates per image (activation memory is the same rule
  // for every kind); `where` names the layer in overflow errors.
  virtual LayerCost cost(const LayerSpec& /*layer*/, const std::string& /*where*/) const {
    return {};
  }
  virtual LayerNotation notation(const LayerSpec& layer, Language language) const = 0;

  virtual std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t max_batch,
                                      bool training) const = 0;

  // ONNX: the nodes that compute the layer at inference, and the ops whose nodes become this kind.
  virtual void export_onnx(const LayerSpec& layer, OnnxLayerExport& out) const = 0;
  virtual std::vector<std::string_view> onnx_ops() const = 0;
  virtual void import_onnx(OnnxNodeImport& node) const = 0;
  // Whether two layers of this kind compute the same at inference (an ONNX file's stored spec
  // against its graph); `b` was derived from a graph.
  virtual bool same_computation(const LayerSpec& /*a*/, const LayerSpec& /*b*/) const {
    return true;
  }
  // True when ONNX export leaves the layer out (the identity at inference).
  virtual bool identity_at_inference() const { return false; }
};

}  // namespace nin
