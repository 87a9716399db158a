#pragma once
// The rows of nin-params' table in the seed's notation (table 4.4): sizes as H×W×C, kernels as
// (3×3)×16/1, parameter formulas as (3×3×3+1)×16, and the layer kinds in English or Chinese, as
// each layer kind writes itself (nin/layers/layer_kind.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nin/layers/layer_kind.hpp"
#include "nin/spec/layer_cost.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/spec/notation.hpp"

namespace nin::params {

using nin::Language;
using notation::hwc_text;

struct LayerRow {
  std::string name;
  std::string type;
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

}  // namespace nin::params
