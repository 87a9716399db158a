#include "nin/spec/spec_fields.hpp"

namespace nin {

std::string join_words(const std::vector<std::string_view>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

WeightInit read_init(const nlohmann::json& v, const FieldReader& layer) {
  if (!v.is_object()) layer.fail("field 'init' must be an object such as {\"type\": \"kaiming\"}");
  if (!v.contains("type") || !v.at("type").is_string())
    layer.fail("field 'init' needs \"type\": \"gaussian\" or \"kaiming\"");
  const auto type = v.at("type").get<std::string>();
  WeightInit init;
  if (type == "kaiming") {
    for (const auto& [key, value] : v.items())
      if (key != "type") layer.fail("init: unknown field '" + key + "'; valid fields: type");
    init.kind = InitKind::kaiming;
  } else if (type == "gaussian") {
    for (const auto& [key, value] : v.items())
      if (key != "type" && key != "std")
        layer.fail("init: unknown field '" + key + "'; valid fields: type, std");
    if (!v.contains("std") || !v.at("std").is_number() || v.at("std").get<double>() <= 0)
      layer.fail("init: gaussian needs a positive \"std\"");
    init.kind = InitKind::gaussian;
    init.std = v.at("std").get<double>();
  } else {
    layer.fail("init: unknown type '" + type + "'; valid types: gaussian, kaiming");
  }
  return init;
}

Window2d read_window(const FieldReader& reader) {
  reader.require("kernel");
  Window2d w;
  std::tie(w.kernel_h, w.kernel_w) = reader.pair_or("kernel", 1, 1, kMaxSpecExtent);
  std::tie(w.stride_h, w.stride_w) = reader.pair_or("stride", 1, 1, kMaxSpecExtent);
  std::tie(w.pad_h, w.pad_w) = reader.pair_or("pad", 0, 0, kMaxSpecExtent);
  return w;
}

void read_weighted_layer(const FieldReader& f, LayerSpec& layer) {
  layer.outputs = f.integer("outputs", 1, kMaxSpecChannels);
  layer.bias = f.boolean_or("bias", true);
  if (f.has("init")) layer.init = read_init(f.require("init"), f);
  layer.lr_mult = f.number_or("lr_mult", 1.0, 0.0, 1e6);
  layer.bias_lr_mult = f.number_or("bias_lr_mult", 1.0, 0.0, 1e6);
}

void write_weighted_layer(const LayerSpec& l, nlohmann::json& j) {
  j["outputs"] = l.outputs;
  j["bias"] = l.bias;
  j["init"] = init_json(l.init);
  if (l.lr_mult != 1.0) j["lr_mult"] = l.lr_mult;
  if (l.bias_lr_mult != 1.0) j["bias_lr_mult"] = l.bias_lr_mult;
}

nlohmann::json init_json(const WeightInit& init) {
  if (init.kind == InitKind::gaussian) return {{"type", "gaussian"}, {"std", init.std}};
  return {{"type", "kaiming"}};
}

nlohmann::json pair_json(std::int64_t a, std::int64_t b) {
  return a == b ? nlohmann::json(a) : nlohmann::json{a, b};
}

}  // namespace nin
