#pragma once
// The rows of nin-params' table in the seed's notation (table 4.4): sizes as H×W×C, kernels as
// (3×3)×16/1, parameter formulas as (3×3×3+1)×16, and the layer kinds in English or Chinese.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nin/spec/layer_cost.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin::params {

enum class Language { en, zh };

struct LayerRow {
  std::string name;
  LayerType type;
  std::string kind;  // in the chosen language
  Shape input;
  Shape output;
  std::string kernel;
  std::string formula;
  LayerCost cost;
};

// One row per layer that changes shape or holds parameters (ReLU and dropout are left out: they
// work in place and cost nothing here).
std::vector<LayerRow> layer_rows(const NetworkSpec& spec, Language language);

// What a fully connected classifier would cost in place of the global average pooling.
struct FullyConnectedHead {
  Shape input;
  std::int64_t classes = 0;
  std::string formula;
  std::int64_t parameters = 0;
  std::int64_t macs = 0;
};
std::optional<FullyConnectedHead> fully_connected_head(const NetworkSpec& spec);

// 32×32×3 (height × width × channels, as the seed writes it)
std::string hwc_text(const Shape& shape);

}  // namespace nin::params
