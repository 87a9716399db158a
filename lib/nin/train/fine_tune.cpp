#include "nin/train/fine_tune.hpp"

#include <algorithm>
#include <map>

#include "nin/core/error.hpp"

namespace nin {
namespace {

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string text;
  for (const auto d : dims) text += (text.empty() ? "" : "×") + std::to_string(d);
  return text.empty() ? "scalar" : text;
}

// One layer's tensors, parameters then state, by tensor name.
struct LayerTensors {
  std::string type;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> shapes;
  std::vector<float*> values;
  std::vector<std::int64_t> sizes;
};

std::map<std::string, LayerTensors> tensors_of(Network& network) {
  std::map<std::string, LayerTensors> layers;
  for (const auto& layer : network.spec().layers) layers[layer.name].type = layer.type;
  for (const auto& p : network.parameters()) {
    auto& t = layers[p.layer];
    t.shapes.emplace_back(p.parameter->name, p.parameter->dims);
    t.values.push_back(p.parameter->value);
    t.sizes.push_back(p.parameter->size());
  }
  for (const auto& s : network.state()) {
    auto& t = layers[s.layer];
    t.shapes.emplace_back(s.state->name, s.state->dims);
    t.values.push_back(s.state->value);
    t.sizes.push_back(s.state->size());
  }
  return layers;
}

}  // namespace

void check_layer_names(const std::string& option, const std::vector<std::string>& names,
                       const NetworkSpec& spec) {
  for (const auto& name : names)
    if (std::none_of(spec.layers.begin(), spec.layers.end(),
                     [&](const LayerSpec& l) { return l.name == name; }))
      throw UsageError(option + ": the network has no layer '" + name + "'");
}

WeightTransfer transfer_weights(const ModelContents& model, Network& network,
                                const std::vector<std::string>& reinitialize) {
  check_layer_names("--reinit", reinitialize, network.spec());
  // The model's values, laid out by a network of its own spec.
  const auto source_network = model.build_network(1, NetworkUse::training);
  auto source = tensors_of(*source_network);
  auto target = tensors_of(network);
  WeightTransfer transfer;
  for (const auto& layer : network.spec().layers) {
    auto& to = target.at(layer.name);
    if (to.shapes.empty()) continue;  // nothing to learn or keep: ReLU, pooling, dropout
    const auto from = source.find(layer.name);
    std::string reason;
    if (std::find(reinitialize.begin(), reinitialize.end(), layer.name) != reinitialize.end())
      reason = "--reinit";
    else if (from == source.end())
      reason = "not in the model";
    else if (from->second.type != to.type)
      reason = "a " + from->second.type + " layer in the model";
    else if (from->second.shapes != to.shapes) {
      const auto& a = from->second.shapes;
      const auto& b = to.shapes;
      reason = "shapes differ";
      for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        if (a[i] != b[i]) {
          reason = a[i].first + " " + dims_text(a[i].second) + " in the model, " +
                   dims_text(b[i].second) + " here";
          break;
        }
    }
    if (!reason.empty()) {
      transfer.initialized.push_back({layer.name, reason});
      continue;
    }
    for (std::size_t i = 0; i < to.values.size(); ++i)
      std::copy_n(from->second.values[i], to.sizes[i], to.values[i]);
    transfer.copied.push_back(layer.name);
  }
  return transfer;
}

void freeze_layers(Network& network, const std::vector<std::string>& layers) {
  check_layer_names("--freeze", layers, network.spec());
  for (const auto& name : layers) {
    bool any = false;
    for (auto& p : network.parameters())
      if (p.layer == name) {
        p.parameter->lr_mult = 0.0f;
        p.parameter->weight_decay = false;
        any = true;
      }
    if (!any) throw UsageError("--freeze: layer '" + name + "' has no parameters to freeze");
  }
}

}  // namespace nin
