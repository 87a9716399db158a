#include "nin-params/layer_table.hpp"

#include <algorithm>

namespace nin::params {
namespace {

const std::string kTimes = "×";

std::string pair_text(std::int64_t a, std::int64_t b) {
  return std::to_string(a) + kTimes + std::to_string(b);
}

// "/2" or "/2×1"; " p2" or " p2×1" when padded.
std::string stride_pad_text(const Window2d& w) {
  std::string text = "/" + (w.stride_h == w.stride_w ? std::to_string(w.stride_h)
                                                     : pair_text(w.stride_h, w.stride_w));
  if (w.pad_h || w.pad_w)
    text += " p" + (w.pad_h == w.pad_w ? std::to_string(w.pad_h) : pair_text(w.pad_h, w.pad_w));
  return text;
}

std::string kind_word(const LayerSpec& layer, Language language) {
  const bool zh = language == Language::zh;
  switch (layer.type) {
    case LayerType::convolution:
      if (layer.window.is_pointwise()) return zh ? "全连接层" : "full";
      return zh ? "局部全连接层" : "local full";
    case LayerType::max_pool:
      return zh ? "最大采样" : "max pooling";
    case LayerType::avg_pool:
      return zh ? "平均采样" : "average pooling";
    case LayerType::global_avg_pool:
      return zh ? "全局平均采样" : "global average pooling";
    case LayerType::batch_norm:
      return zh ? "批归一化" : "batch norm";
    case LayerType::relu:
      return "ReLU";
    case LayerType::dropout:
      return zh ? "随机失活" : "dropout";
  }
  return {};
}

std::string kernel_text(const LayerSpec& layer) {
  const Window2d& w = layer.window;
  switch (layer.type) {
    case LayerType::convolution:
      if (w.is_pointwise()) return pair_text(layer.input.channels, layer.outputs);
      return "(" + pair_text(w.kernel_h, w.kernel_w) + ")" + kTimes +
             std::to_string(layer.outputs) + stride_pad_text(w);
    case LayerType::max_pool:
    case LayerType::avg_pool:
      return "(" + pair_text(w.kernel_h, w.kernel_w) + ")" + stride_pad_text(w) +
             (layer.ceil_mode ? "" : " floor");
    case LayerType::global_avg_pool:
      return hwc_text(layer.input) + "/1";
    default:
      return {};
  }
}

std::string formula_text(const LayerSpec& layer) {
  const Window2d& w = layer.window;
  const std::string bias = layer.bias ? "+1" : "";
  switch (layer.type) {
    case LayerType::convolution:
      if (w.is_pointwise())
        return layer.bias ? "((" + std::to_string(layer.input.channels) + "+1)" + kTimes +
                                std::to_string(layer.outputs) + ")"
                          : "(" + pair_text(layer.input.channels, layer.outputs) + ")";
      return "(" + pair_text(w.kernel_h, w.kernel_w) + kTimes +
             std::to_string(layer.input.channels) + bias + ")" + kTimes +
             std::to_string(layer.outputs);
    case LayerType::batch_norm:
      return "2" + kTimes + std::to_string(layer.input.channels);
    default:
      return "0";
  }
}

}  // namespace

std::string hwc_text(const Shape& shape) {
  return std::to_string(shape.height) + kTimes + std::to_string(shape.width) + kTimes +
         std::to_string(shape.channels);
}

std::vector<LayerRow> layer_rows(const NetworkSpec& spec, Language language) {
  std::vector<LayerRow> rows;
  for (const auto& layer : spec.layers) {
    if (works_in_place(layer.type)) continue;
    rows.push_back({layer.name, layer.type, kind_word(layer, language), layer.input, layer.output,
                    kernel_text(layer), formula_text(layer), layer_cost(layer)});
  }
  return rows;
}

std::optional<FullyConnectedHead> fully_connected_head(const NetworkSpec& spec) {
  const auto gap = std::find_if(spec.layers.begin(), spec.layers.end(), [](const LayerSpec& l) {
    return l.type == LayerType::global_avg_pool;
  });
  if (gap == spec.layers.end()) return std::nullopt;
  FullyConnectedHead head;
  head.input = gap->input;
  head.classes = spec.classes;
  head.macs = gap->input.elements() * spec.classes;
  head.parameters = head.macs + spec.classes;
  head.formula = "(" + hwc_text(gap->input) + "+1)" + kTimes + std::to_string(spec.classes);
  return head;
}

}  // namespace nin::params
