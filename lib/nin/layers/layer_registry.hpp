#pragma once
// The layer kinds nin knows, by name, in the order error messages list them. A spec's layer type,
// a model file's layers, nin-params' rows and the ONNX mapping all come from here.

#include <string_view>
#include <vector>

#include "nin/layers/layer_kind.hpp"

namespace nin {

class LayerRegistry {
 public:
  // Throws Error when a kind of that name, or one mapping the same ONNX op, is already there.
  void add(const LayerKind& kind);

  // The kind named `name`, or null.
  const LayerKind* find(std::string_view name) const;
  // The kind that imports ONNX op `op_type`, or null.
  const LayerKind* find_onnx_op(std::string_view op_type) const;
  const std::vector<const LayerKind*>& kinds() const { return kinds_; }
  std::vector<std::string_view> names() const;

 private:
  std::vector<const LayerKind*> kinds_;
};

// Every kind of layer, registered once.
const LayerRegistry& layer_registry();

// The kind of `layer`; throws SpecError naming the layer when its type is not registered.
const LayerKind& kind_of(const LayerSpec& layer);

}  // namespace nin
