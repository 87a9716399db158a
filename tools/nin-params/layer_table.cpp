#include "nin-params/layer_table.hpp"

#include <algorithm>

#include "nin/layers/layer_registry.hpp"

namespace nin::params {

std::vector<LayerRow> layer_rows(const NetworkSpec& spec, Language language) {
  std::vector<LayerRow> rows;
  for (const auto& layer : spec.layers) {
    const LayerKind& kind = kind_of(layer);
    if (kind.in_place()) continue;
    LayerNotation text = kind.notation(layer, language);
    rows.push_back({layer.name, layer.type, std::move(text.kind), layer.input, layer.output,
                    std::move(text.kernel), std::move(text.formula), layer_cost(layer)});
  }
  return rows;
}

std::optional<FullyConnectedHead> fully_connected_head(const NetworkSpec& spec) {
  const auto gap = std::find_if(spec.layers.begin(), spec.layers.end(),
                                [](const LayerSpec& l) { return l.type == "global_avg_pool"; });
  if (gap == spec.layers.end()) return std::nullopt;
  FullyConnectedHead head;
  head.input = gap->input;
  head.classes = spec.classes;
  head.macs = gap->input.elements() * spec.classes;
  head.parameters = head.macs + spec.classes;
  head.formula =
      "(" + hwc_text(gap->input) + "+1)" + notation::kTimes + std::to_string(spec.classes);
  return head;
}

}  // namespace nin::params
