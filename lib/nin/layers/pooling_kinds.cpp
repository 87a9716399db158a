// The "max_pool", "avg_pool" and "global_avg_pool" layer kinds: spec fields, shapes, notation and
// ONNX MaxPool, AveragePool, GlobalAveragePool (and ReduceMean over the plane).

#include <nlohmann/json.hpp>

#include <algorithm>

#include "nin/layers/kind_support.hpp"
#include "nin/layers/pooling.hpp"
#include "nin/onnx/onnx_pooling.hpp"
#include "nin/spec/notation.hpp"
#include "nin/spec/spec_fields.hpp"

namespace nin {
namespace {

using kinds::dims;

class WindowPoolingKind final : public LayerKind {
 public:
  explicit WindowPoolingKind(bool average) : average_(average) {}

  std::string_view name() const override { return average_ ? "avg_pool" : "max_pool"; }

  std::vector<std::string_view> fields() const override {
    return {"kernel", "stride", "pad", "ceil_mode"};
  }

  void read(const FieldReader& f, LayerSpec& layer) const override {
    layer.window = read_window(f);
    layer.ceil_mode = f.boolean_or("ceil_mode", true);
    const Window2d& w = layer.window;
    if (w.pad_h >= w.kernel_h || w.pad_w >= w.kernel_w)
      f.fail("pad " + dims(w.pad_h, w.pad_w) + " must be smaller than the kernel " +
             dims(w.kernel_h, w.kernel_w));
  }

  void write(const LayerSpec& l, nlohmann::json& j) const override {
    j["kernel"] = pair_json(l.window.kernel_h, l.window.kernel_w);
    j["stride"] = pair_json(l.window.stride_h, l.window.stride_w);
    j["pad"] = pair_json(l.window.pad_h, l.window.pad_w);
    if (!l.ceil_mode) j["ceil_mode"] = false;  // only when false: ceil-mode specs read as before
  }

  Shape output_shape(const LayerSpec& layer, const ShapeContext& ctx) const override {
    kinds::check_window(layer, ctx);
    return pooled_shape(layer.input, layer.window, layer.ceil_mode);
  }

  LayerNotation notation(const LayerSpec& layer, Language language) const override {
    const bool zh = language == Language::zh;
    const Window2d& w = layer.window;
    return {average_ ? (zh ? "平均采样" : "average pooling") : (zh ? "最大采样" : "max pooling"),
            "(" + notation::pair_text(w.kernel_h, w.kernel_w) + ")" + notation::stride_pad_text(w) +
                (layer.ceil_mode ? "" : " floor"),
            "0"};
  }

  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t max_batch,
                              bool training) const override {
    if (average_) return std::make_unique<AveragePooling>(layer);
    return std::make_unique<MaxPooling>(layer, max_batch, training);
  }

  void export_onnx(const LayerSpec& layer, OnnxLayerExport& out) const override {
    const OnnxPooling p =
        onnx_pooling_for(layer.window, layer.ceil_mode, layer.input.height, layer.input.width);
    auto& node = out.add_node(average_ ? "AveragePool" : "MaxPool")
                     .integers("kernel_shape", {p.kernel_h, p.kernel_w})
                     .integers("strides", {p.stride_h, p.stride_w})
                     .integers("pads", {p.pad_top, p.pad_left, p.pad_bottom, p.pad_right})
                     .integer("ceil_mode", p.ceil_mode ? 1 : 0);
    if (average_) node.integer("count_include_pad", 0);
  }

  std::vector<std::string_view> onnx_ops() const override {
    return {average_ ? "AveragePool" : "MaxPool"};
  }

  void import_onnx(OnnxNodeImport& node) const override {
    node.require_planes();
    if (average_)
      node.known_attributes({"kernel_shape", "strides", "pads", "ceil_mode", "auto_pad",
                             "dilations", "count_include_pad"});
    else
      node.known_attributes({"kernel_shape", "strides", "pads", "ceil_mode", "auto_pad",
                             "dilations", "storage_order"});
    if (!node.has("kernel_shape")) node.fail("has no kernel_shape");
    const OnnxDims kernel = node.integers("kernel_shape", {}, 2);
    const OnnxDims strides = node.integers("strides", {1, 1}, 2);
    const OnnxDims dilations = node.integers("dilations", {1, 1}, 2);
    if (dilations != OnnxDims{1, 1})
      node.fail("dilations " + onnx_dims_text(dilations) +
                " are not supported; nin pooling has dilation 1");
    OnnxPooling p;
    p.kernel_h = kernel[0];
    p.kernel_w = kernel[1];
    p.stride_h = strides[0];
    p.stride_w = strides[1];
    const Window2d w{p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, 0, 0};
    if (w.stride_h < 1 || w.stride_w < 1 || w.kernel_h < 1 || w.kernel_w < 1)
      node.fail("kernel_shape " + onnx_dims_text(kernel) + " and strides " +
                onnx_dims_text(strides) + " must be positive");
    node.check_extents("kernel_shape", kernel);
    node.check_extents("strides", strides);
    const OnnxDims pads = node.padding(w);
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    p.pad_bottom = pads[2];
    p.pad_right = pads[3];
    p.ceil_mode = node.integer("ceil_mode", 0) != 0;
    p.count_include_pad = node.integer("count_include_pad", 0) != 0;
    const Shape input = node.shape();
    const PoolingMatch match = nin_window_for(p, input.height, input.width, average_);
    if (!match.problem.empty())
      throw FormatError(node.where() + " (input " + kinds::shape_text(input, "×") +
                        "): " + match.problem + "; nin cannot reproduce it exactly");
    LayerSpec& layer = node.add_layer(name());
    layer.window = match.window;
    layer.ceil_mode = match.ceil_mode;
    node.set_shape(pooled_shape(input, match.window, match.ceil_mode), false);
  }

  // Pooling modes that differ give the same windows where they give the same counts (the import
  // chooses ceil mode then, whatever the exporter's spec said).
  bool same_computation(const LayerSpec& a, const LayerSpec& b) const override {
    return kinds::same_window(a.window, b.window) &&
           (a.ceil_mode == b.ceil_mode || pooled_shape(a.input, a.window, b.ceil_mode) == a.output);
  }

 private:
  bool average_;
};

class GlobalAveragePoolingKind final : public LayerKind {
 public:
  std::string_view name() const override { return "global_avg_pool"; }

  Shape output_shape(const LayerSpec& layer, const ShapeContext& ctx) const override {
    if (!ctx.last_with_outputs) ctx.fail(layer, "needs a convolution before it");
    if (layer.input.channels != ctx.spec.classes)
      ctx.fail_network("layer '" + ctx.last_with_outputs->name + "' gives " +
                       std::to_string(layer.input.channels) + " channels before global pooling '" +
                       layer.name + "', but the network has " + std::to_string(ctx.spec.classes) +
                       " classes");
    return {layer.input.channels, 1, 1};
  }

  LayerNotation notation(const LayerSpec& layer, Language language) const override {
    return {language == Language::zh ? "全局平均采样" : "global average pooling",
            notation::hwc_text(layer.input) + "/1", "0"};
  }

  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t, bool) const override {
    return std::make_unique<GlobalAveragePooling>(layer);
  }

  void export_onnx(const LayerSpec&, OnnxLayerExport& out) const override {
    out.add_node("GlobalAveragePool");
  }

  std::vector<std::string_view> onnx_ops() const override {
    return {"GlobalAveragePool", "ReduceMean"};
  }

  void import_onnx(OnnxNodeImport& node) const override {
    bool flat = false;
    if (node.op() == "ReduceMean") {
      node.known_attributes({"axes", "keepdims", "noop_with_empty_axes"});
      OnnxDims axes = node.has("axes") ? node.integers("axes", {}) : OnnxDims{};
      if (!node.has("axes") && node.has_input(1)) axes = node.integer_constant(1, "axes");
      for (auto& axis : axes) axis = axis < 0 ? axis + 4 : axis;
      std::sort(axes.begin(), axes.end());
      if (axes != OnnxDims{2, 3})
        node.fail("averages over axes " + onnx_dims_text(axes) +
                  "; nin maps the mean over the plane (axes [2,3]) only");
      flat = node.integer("keepdims", 1) == 0;
    } else {
      node.known_attributes({});
    }
    node.require_planes();
    node.add_layer(name());
    node.set_shape({node.shape().channels, 1, 1}, flat);
  }
};

}  // namespace

const LayerKind& max_pool_kind() {
  static const WindowPoolingKind kind(false);
  return kind;
}

const LayerKind& avg_pool_kind() {
  static const WindowPoolingKind kind(true);
  return kind;
}

const LayerKind& global_avg_pool_kind() {
  static const GlobalAveragePoolingKind kind;
  return kind;
}

}  // namespace nin
