#pragma once
// What a layer costs: trainable parameters, multiply-accumulates and activation memory.
// Conventions: MACs count the multiply-adds of convolutions only (1 MAC = 2 FLOPs), per image;
// activations are the float32 outputs of every layer per image, with ReLU and dropout in place.

#include <cstdint>
#include <optional>
#include <string>

#include "nin/spec/network_spec.hpp"

namespace nin {

struct LayerCost {
  std::int64_t parameters = 0;           // trainable: weights, biases, BN scale and shift
  std::int64_t macs = 0;                 // per image
  std::int64_t activation_elements = 0;  // per image; 0 for in-place layers
};

// Throws SpecError naming the layer when a count does not fit in 64 bits.
LayerCost layer_cost(const LayerSpec& layer);

// True for layers that overwrite their input (ReLU, dropout) and so need no activation buffer.
bool works_in_place(const LayerSpec& layer);

// `value`, or SpecError "<where>: its <what> do not fit in 64 bits" when a count overflowed.
std::int64_t checked_count(std::optional<std::int64_t> value, const std::string& where,
                           const char* what);

// Sum over all layers; throws SpecError naming the spec when a total does not fit in 64 bits.
LayerCost network_cost(const NetworkSpec& spec);

// Bytes of `elements` float32 activations per image for `batch` images; throws SpecError naming
// the spec when they do not fit in 64 bits.
std::int64_t activation_bytes(const NetworkSpec& spec, std::int64_t elements, std::int64_t batch);

}  // namespace nin
