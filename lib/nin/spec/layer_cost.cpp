#include "nin/spec/layer_cost.hpp"

namespace nin {

bool works_in_place(LayerType type) {
  return type == LayerType::relu || type == LayerType::dropout;
}

LayerCost layer_cost(const LayerSpec& layer) {
  LayerCost cost;
  if (!works_in_place(layer.type)) cost.activation_elements = layer.output.elements();
  switch (layer.type) {
    case LayerType::convolution: {
      const auto fan_in = layer.window.kernel_h * layer.window.kernel_w * layer.input.channels;
      cost.parameters = (fan_in + (layer.bias ? 1 : 0)) * layer.outputs;
      cost.macs = fan_in * layer.output.elements();
      break;
    }
    case LayerType::batch_norm:
      cost.parameters = 2 * layer.input.channels;
      break;
    default:
      break;
  }
  return cost;
}

LayerCost network_cost(const NetworkSpec& spec) {
  LayerCost total;
  for (const auto& layer : spec.layers) {
    const auto cost = layer_cost(layer);
    total.parameters += cost.parameters;
    total.macs += cost.macs;
    total.activation_elements += cost.activation_elements;
  }
  return total;
}

}  // namespace nin
