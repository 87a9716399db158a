#pragma once
// The description of a network: input shape, classes and an ordered list of named layers.
// A spec is parsed from JSON (the format is documented in README.md) and its shapes are inferred
// once, when it is loaded; everything built from a spec may rely on the shapes being consistent.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nin/core/checked_math.hpp"

namespace nin {

// Limits of a spec, checked when it is parsed and again by shape inference (for specs built in
// code, e.g. from an ONNX graph), so that no size computed from a spec can overflow.
inline constexpr std::int64_t kMaxSpecExtent = 1 << 16;    // height, width, kernel, stride, pad
inline constexpr std::int64_t kMaxSpecChannels = 1 << 20;  // channels, outputs, classes
inline constexpr std::int64_t kMaxSpecElements = std::int64_t{1} << 31;  // values of a layer's
                                                                         // image or weights

// Shape of one image's activations, channels first.
struct Shape {
  std::int64_t channels = 0;
  std::int64_t height = 0;
  std::int64_t width = 0;

  // Saturated at INT64_MAX rather than wrapped, so that a limit check refuses an absurd shape.
  std::int64_t elements() const { return saturating_product({channels, height, width}); }
  std::int64_t plane_size() const { return saturating_product({height, width}); }
  bool operator==(const Shape&) const = default;
};

// Kernel, stride and padding of a convolution or pooling window.
struct Window2d {
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;

  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 &&
           pad_w == 0;
  }
};

enum class InitKind { gaussian, kaiming };

struct WeightInit {
  InitKind kind = InitKind::kaiming;
  double std = 0.0;  // used by gaussian only
};

// One layer: its type names a kind of the layer registry (nin/layers/layer_registry.hpp), which
// reads, checks and uses the fields that type has.
struct LayerSpec {
  std::string name;
  std::string type;
  Window2d window;            // convolution, max_pool, avg_pool
  std::int64_t outputs = 0;   // convolution, fully_connected: output channels
  bool bias = true;           // convolution, fully_connected
  bool ceil_mode = true;      // max_pool, avg_pool: Caffe's ceil-mode output size, else floor mode
  WeightInit init;            // convolution, fully_connected
  double lr_mult = 1.0;       // weights, batch_norm scale
  double bias_lr_mult = 1.0;  // biases, batch_norm shift
  double dropout_ratio = 0.5;
  double bn_momentum = 0.1;  // weight of the new batch statistic in the running average
  double bn_eps = 1e-5;

  // Filled by shape inference.
  Shape input;
  Shape output;
};

struct NetworkSpec {
  std::string name;
  std::string description;
  std::string source;  // where the spec came from, for messages (a path or a preset name)
  Shape input;
  std::int64_t classes = 0;
  std::vector<std::string> class_names;  // empty or one per class
  std::vector<LayerSpec> layers;

  Shape output() const { return layers.empty() ? input : layers.back().output; }
};

// Parses a spec from JSON text and infers its shapes. `source` names the text in error messages.
// Throws SpecError with the line and column of malformed JSON, or the name of the offending layer.
NetworkSpec parse_network_spec(std::string_view json_text, const std::string& source);

// Reads and parses a spec file; throws IoError when it cannot be read.
NetworkSpec load_network_spec(const std::filesystem::path& path);

// Serialises a spec to JSON in the same format parse_network_spec reads (shapes are not written).
std::string to_json_text(const NetworkSpec& spec);

// Recomputes every layer's input and output shape and checks the network end to end.
void infer_shapes(NetworkSpec& spec);

// The same network for another input shape; shapes are re-inferred.
NetworkSpec with_input(NetworkSpec spec, Shape input);

// The same network for another number of classes: the outputs of the last layer that sets them (a
// convolution or fully connected layer) follow the new count. Class names that no longer fit are
// dropped. Shapes are re-inferred.
NetworkSpec with_classes(NetworkSpec spec, std::int64_t classes);

// Output length of a convolution (floor) and of a pooling window: in Caffe's ceil mode, nin's
// default, ceil((input + 2·pad − kernel) / stride) + 1 with the last window starting inside the
// input or its left padding; with ceil_mode false, floor mode as a convolution (PyTorch's and
// ONNX's default).
std::int64_t convolution_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                     std::int64_t pad);
std::int64_t pooling_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                 std::int64_t pad, bool ceil_mode);

// The output shape of a pooling layer with `window` on `input` (the channels stay).
Shape pooled_shape(const Shape& input, const Window2d& window, bool ceil_mode);

}  // namespace nin
