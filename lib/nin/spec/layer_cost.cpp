#include "nin/spec/layer_cost.hpp"

#include "nin/core/checked_math.hpp"
#include "nin/core/error.hpp"
#include "nin/layers/layer_registry.hpp"

namespace nin {

// Shape inference bounds every layer's counts far below 2^63; a spec built around it (or a sum
// over very many layers) must still give an error, not a wrapped count.
std::int64_t checked_count(std::optional<std::int64_t> value, const std::string& where,
                           const char* what) {
  if (!value) throw SpecError(where + ": its " + what + " do not fit in 64 bits");
  return *value;
}

bool works_in_place(const LayerSpec& layer) {
  return kind_of(layer).in_place();
}

LayerCost layer_cost(const LayerSpec& layer) {
  const std::string where = "layer '" + layer.name + "'";
  const LayerKind& kind = kind_of(layer);
  LayerCost cost = kind.cost(layer, where);
  if (!kind.in_place())
    cost.activation_elements = checked_count(
        checked_product({layer.output.channels, layer.output.height, layer.output.width}), where,
        "activations");
  return cost;
}

LayerCost network_cost(const NetworkSpec& spec) {
  const std::string where = "'" + spec.source + "'";
  LayerCost total;
  for (const auto& layer : spec.layers) {
    const auto cost = layer_cost(layer);
    total.parameters =
        checked_count(checked_add(total.parameters, cost.parameters), where, "parameters");
    total.macs = checked_count(checked_add(total.macs, cost.macs), where, "MACs");
    total.activation_elements = checked_count(
        checked_add(total.activation_elements, cost.activation_elements), where, "activations");
  }
  return total;
}

std::int64_t activation_bytes(const NetworkSpec& spec, std::int64_t elements, std::int64_t batch) {
  return checked_count(checked_product({elements, std::int64_t{sizeof(float)}, batch}),
                       "'" + spec.source + "'", "activation bytes");
}

}  // namespace nin
