#pragma once
// What a layer costs: trainable parameters, multiply-accumulates and activation memory.
// Conventions: MACs count the multiply-adds of convolutions only (1 MAC = 2 FLOPs), per image;
// activations are the float32 outputs of every layer per image, with ReLU and dropout in place.

#include <cstdint>

#include "nin/spec/network_spec.hpp"

namespace nin {

struct LayerCost {
  std::int64_t parameters = 0;           // trainable: weights, biases, BN scale and shift
  std::int64_t macs = 0;                 // per image
  std::int64_t activation_elements = 0;  // per image; 0 for in-place layers
};

LayerCost layer_cost(const LayerSpec& layer);

// True for layers that overwrite their input (ReLU, dropout) and so need no activation buffer.
bool works_in_place(LayerType type);

// Sum over all layers.
LayerCost network_cost(const NetworkSpec& spec);

}  // namespace nin
