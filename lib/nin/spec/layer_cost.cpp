#include "nin/spec/layer_cost.hpp"

#include <string>

#include "nin/core/checked_math.hpp"
#include "nin/core/error.hpp"

namespace nin {
namespace {

// Shape inference bounds every layer's counts far below 2^63; a spec built around it (or a sum
// over very many layers) must still give an error, not a wrapped count.
std::int64_t checked(std::optional<std::int64_t> value, const std::string& where,
                     const char* what) {
  if (!value) throw SpecError(where + ": its " + what + " do not fit in 64 bits");
  return *value;
}

}  // namespace

bool works_in_place(LayerType type) {
  return type == LayerType::relu || type == LayerType::dropout;
}

LayerCost layer_cost(const LayerSpec& layer) {
  const std::string where = "layer '" + layer.name + "'";
  LayerCost cost;
  if (!works_in_place(layer.type))
    cost.activation_elements =
        checked(checked_product({layer.output.channels, layer.output.height, layer.output.width}),
                where, "activations");
  switch (layer.type) {
    case LayerType::convolution: {
      const auto fan_in = checked(
          checked_product({layer.window.kernel_h, layer.window.kernel_w, layer.input.channels}),
          where, "weights");
      cost.parameters = checked(checked_product({fan_in + (layer.bias ? 1 : 0), layer.outputs}),
                                where, "parameters");
      cost.macs = checked(checked_mul(fan_in, cost.activation_elements), where, "MACs");
      break;
    }
    case LayerType::batch_norm:
      cost.parameters =
          checked(checked_mul<std::int64_t>(2, layer.input.channels), where, "parameters");
      break;
    default:
      break;
  }
  return cost;
}

LayerCost network_cost(const NetworkSpec& spec) {
  const std::string where = "'" + spec.source + "'";
  LayerCost total;
  for (const auto& layer : spec.layers) {
    const auto cost = layer_cost(layer);
    total.parameters = checked(checked_add(total.parameters, cost.parameters), where, "parameters");
    total.macs = checked(checked_add(total.macs, cost.macs), where, "MACs");
    total.activation_elements = checked(
        checked_add(total.activation_elements, cost.activation_elements), where, "activations");
  }
  return total;
}

std::int64_t activation_bytes(const NetworkSpec& spec, std::int64_t elements, std::int64_t batch) {
  return checked(checked_product({elements, std::int64_t{sizeof(float)}, batch}),
                 "'" + spec.source + "'", "activation bytes");
}

}  // namespace nin
