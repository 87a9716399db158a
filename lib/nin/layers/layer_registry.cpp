#include "nin/layers/layer_registry.hpp"

#include <algorithm>
#include <string>

#include "nin/core/error.hpp"

namespace nin {

// Each kind is defined with its layer (nin/layers/*_kind.cpp).
const LayerKind& convolution_kind();
const LayerKind& relu_kind();
const LayerKind& max_pool_kind();
const LayerKind& avg_pool_kind();
const LayerKind& global_avg_pool_kind();
const LayerKind& dropout_kind();
const LayerKind& batch_norm_kind();
const LayerKind& fully_connected_kind();

void LayerRegistry::add(const LayerKind& kind) {
  if (find(kind.name()))
    throw Error("layer registry: the kind '" + std::string(kind.name()) + "' is registered twice");
  for (const auto op : kind.onnx_ops())
    if (const LayerKind* other = find_onnx_op(op))
      throw Error("layer registry: ONNX op '" + std::string(op) + "' maps to both '" +
                  std::string(other->name()) + "' and '" + std::string(kind.name()) + "'");
  kinds_.push_back(&kind);
}

const LayerKind* LayerRegistry::find(std::string_view name) const {
  const auto found = std::find_if(kinds_.begin(), kinds_.end(),
                                  [&](const LayerKind* k) { return k->name() == name; });
  return found == kinds_.end() ? nullptr : *found;
}

const LayerKind* LayerRegistry::find_onnx_op(std::string_view op_type) const {
  for (const LayerKind* kind : kinds_)
    for (const auto op : kind->onnx_ops())
      if (op == op_type) return kind;
  return nullptr;
}

std::vector<std::string_view> LayerRegistry::names() const {
  std::vector<std::string_view> names;
  for (const LayerKind* kind : kinds_) names.push_back(kind->name());
  return names;
}

const LayerRegistry& layer_registry() {
  static const LayerRegistry registry = [] {
    LayerRegistry r;
    for (const LayerKind* kind :
         {&convolution_kind(), &relu_kind(), &max_pool_kind(), &avg_pool_kind(),
          &global_avg_pool_kind(), &dropout_kind(), &batch_norm_kind(), &fully_connected_kind()})
      r.add(*kind);
    return r;
  }();
  return registry;
}

const LayerKind& kind_of(const LayerSpec& layer) {
  if (const LayerKind* kind = layer_registry().find(layer.type)) return *kind;
  throw SpecError("layer '" + layer.name + "': unknown layer type '" + layer.type + "'");
}

}  // namespace nin
