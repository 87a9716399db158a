// The "convolution" layer kind: spec fields, shapes, cost, notation and ONNX Conv.

#include <nlohmann/json.hpp>

#include "nin/core/checked_math.hpp"
#include "nin/core/error.hpp"
#include "nin/layers/convolution.hpp"
#include "nin/layers/kind_support.hpp"
#include "nin/spec/notation.hpp"
#include "nin/spec/spec_fields.hpp"

namespace nin {
namespace {

using kinds::dims;
using notation::kTimes;
using notation::pair_text;

class ConvolutionKind final : public LayerKind {
 public:
  std::string_view name() const override { return "convolution"; }

  std::vector<std::string_view> fields() const override {
    return {"outputs", "kernel", "stride", "pad", "bias", "init", "lr_mult", "bias_lr_mult"};
  }

  void read(const FieldReader& f, LayerSpec& layer) const override {
    // "outputs" first: a missing one is reported before a missing kernel.
    f.integer("outputs", 1, kMaxSpecChannels);
    layer.window = read_window(f);
    read_weighted_layer(f, layer);
  }

  void write(const LayerSpec& l, nlohmann::json& j) const override {
    write_weighted_layer(l, j);
    j["kernel"] = pair_json(l.window.kernel_h, l.window.kernel_w);
    j["stride"] = pair_json(l.window.stride_h, l.window.stride_w);
    j["pad"] = pair_json(l.window.pad_h, l.window.pad_w);
  }

  Shape output_shape(const LayerSpec& layer, const ShapeContext& ctx) const override {
    kinds::check_window(layer, ctx);
    const Window2d& w = layer.window;
    const Shape& in = layer.input;
    if (layer.outputs <= 0 || layer.outputs > kMaxSpecChannels)
      ctx.fail(layer, "outputs " + std::to_string(layer.outputs) + " must be in 1.." +
                          std::to_string(kMaxSpecChannels));
    const auto weights = checked_product({w.kernel_h, w.kernel_w, in.channels, layer.outputs});
    if (!weights || *weights > kMaxSpecElements)
      ctx.fail(layer, "(" + dims(w.kernel_h, w.kernel_w) + "x" + std::to_string(in.channels) +
                          ")x" + std::to_string(layer.outputs) + " weights are more than 2^31");
    return {layer.outputs, convolution_output_size(in.height, w.kernel_h, w.stride_h, w.pad_h),
            convolution_output_size(in.width, w.kernel_w, w.stride_w, w.pad_w)};
  }

  bool sets_outputs() const override { return true; }

  LayerCost cost(const LayerSpec& layer, const std::string& where) const override {
    LayerCost cost;
    const auto fan_in = checked_count(
        checked_product({layer.window.kernel_h, layer.window.kernel_w, layer.input.channels}),
        where, "weights");
    cost.parameters = checked_count(checked_product({fan_in + (layer.bias ? 1 : 0), layer.outputs}),
                                    where, "parameters");
    cost.macs = checked_count(checked_mul(fan_in, layer.output.elements()), where, "MACs");
    return cost;
  }

  LayerNotation notation(const LayerSpec& layer, Language language) const override {
    const bool zh = language == Language::zh;
    const Window2d& w = layer.window;
    const std::string in = std::to_string(layer.input.channels);
    const std::string out = std::to_string(layer.outputs);
    // The seed's names: a 1×1 convolution is a "full" layer of the mlpconv block, a k×k one its
    // "local full" layer.
    if (w.is_pointwise())
      return {zh ? "全连接层" : "full", pair_text(layer.input.channels, layer.outputs),
              layer.bias ? "((" + in + "+1)" + kTimes + out + ")"
                         : "(" + pair_text(layer.input.channels, layer.outputs) + ")"};
    return {
        zh ? "局部全连接层" : "local full",
        "(" + pair_text(w.kernel_h, w.kernel_w) + ")" + kTimes + out + notation::stride_pad_text(w),
        "(" + pair_text(w.kernel_h, w.kernel_w) + kTimes + in + (layer.bias ? "+1" : "") + ")" +
            kTimes + out};
  }

  std::unique_ptr<Layer> make(const LayerSpec& layer, std::int64_t max_batch,
                              bool training) const override {
    return std::make_unique<Convolution>(layer, max_batch, training);
  }

  void export_onnx(const LayerSpec& layer, OnnxLayerExport& out) const override {
    const Window2d& w = layer.window;
    out.add_node("Conv", {"weight", "bias"})
        .integers("kernel_shape", {w.kernel_h, w.kernel_w})
        .integers("strides", {w.stride_h, w.stride_w})
        .integers("pads", {w.pad_h, w.pad_w, w.pad_h, w.pad_w})
        .integers("dilations", {1, 1})
        .integer("group", 1);
  }

  std::vector<std::string_view> onnx_ops() const override { return {"Conv"}; }

  void import_onnx(OnnxNodeImport& node) const override {
    node.require_planes();
    node.known_attributes({"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
    const std::int64_t group = node.integer("group", 1);
    if (group != 1)
      node.fail("group " + std::to_string(group) +
                " (a grouped convolution) is not supported; nin convolutions have group 1");
    const OnnxDims dilations = node.integers("dilations", {1, 1}, 2);
    if (dilations != OnnxDims{1, 1})
      node.fail("dilations " + onnx_dims_text(dilations) +
                " are not supported; nin convolutions have dilation 1");
    const Shape& shape = node.shape();
    const OnnxDims w_dims = node.dims(1, "weight");
    if (w_dims.size() != 4 || w_dims[1] != shape.channels || w_dims[0] < 1) {
      const std::string expected =
          w_dims.size() == 4
              ? "[" + std::to_string(w_dims[0]) + "," + std::to_string(shape.channels) + "," +
                    std::to_string(w_dims[2]) + "," + std::to_string(w_dims[3]) + "]"
              : "[outputs," + std::to_string(shape.channels) + ",kernel_h,kernel_w]";
      throw_tensor(node, "weight",
                   onnx_dims_text(w_dims) + ", but the input has " +
                       std::to_string(shape.channels) + " channels (expected " + expected + ")");
    }
    const OnnxDims kernel = node.integers("kernel_shape", {w_dims[2], w_dims[3]}, 2);
    if (kernel != OnnxDims{w_dims[2], w_dims[3]})
      node.fail("kernel_shape " + onnx_dims_text(kernel) + " contradicts weight " +
                onnx_dims_text(w_dims));
    const OnnxDims strides = node.integers("strides", {1, 1}, 2);
    Window2d w{w_dims[2], w_dims[3], strides[0], strides[1], 0, 0};
    if (w.stride_h < 1 || w.stride_w < 1)
      node.fail("strides " + onnx_dims_text(strides) + " must be positive");
    node.check_extents("kernel_shape", kernel);
    node.check_extents("strides", strides);
    const OnnxDims pads = node.padding(w);
    w.pad_h = pads[0];
    w.pad_w = pads[1];
    if (w.kernel_h < 1 || w.kernel_w < 1 || w.kernel_h > shape.height + 2 * w.pad_h ||
        w.kernel_w > shape.width + 2 * w.pad_w)
      node.fail("kernel " + onnx_dims_text(kernel) + " does not fit its input " +
                kinds::shape_text(shape, "×") + " with pads " + onnx_dims_text(pads));
    const std::int64_t out_h =
        convolution_output_size(shape.height, w.kernel_h, w.stride_h, w.pad_h);
    const std::int64_t out_w =
        convolution_output_size(shape.width, w.kernel_w, w.stride_w, w.pad_w);
    // Uneven pads are fine when the extra end padding is never reached.
    if ((shape.height + pads[0] + pads[2] - w.kernel_h) / w.stride_h + 1 != out_h ||
        (shape.width + pads[1] + pads[3] - w.kernel_w) / w.stride_w + 1 != out_w)
      node.fail("pads " + onnx_dims_text(pads) +
                " differ at the two ends of an axis; nin pads both ends equally");

    OnnxFloats weight = node.floats(1, "weight");
    const bool bias = node.has_input(2);
    OnnxFloats bias_values;
    if (bias) {
      const OnnxDims b_dims = node.dims(2, "bias");
      if (b_dims != OnnxDims{w_dims[0]})
        throw_tensor(node, "bias",
                     onnx_dims_text(b_dims) + ", expected [" + std::to_string(w_dims[0]) +
                         "] (one per output channel)");
      bias_values = node.floats(2, "bias");
    }
    LayerSpec& layer = node.add_layer(name());
    layer.outputs = w_dims[0];
    layer.window = w;
    layer.bias = bias;
    const Shape output{w_dims[0], out_h, out_w};
    node.add_tensor("weight", w_dims, std::move(weight.values));
    if (bias) node.add_tensor("bias", bias_values.dims, std::move(bias_values.values));
    node.set_shape(output, false);
  }

  bool same_computation(const LayerSpec& a, const LayerSpec& b) const override {
    return kinds::same_window(a.window, b.window) && a.outputs == b.outputs && a.bias == b.bias;
  }

 private:
  // "'f.onnx': Conv 'c': weight 'w' is [..], ..."
  [[noreturn]] static void throw_tensor(const OnnxNodeImport& node, const char* role,
                                        const std::string& what) {
    const int i = std::string_view(role) == "weight" ? 1 : 2;
    throw FormatError(node.where() + ": " + role + " '" + node.input_name(i) + "' is " + what);
  }
};

}  // namespace

const LayerKind& convolution_kind() {
  static const ConvolutionKind kind;
  return kind;
}

}  // namespace nin
