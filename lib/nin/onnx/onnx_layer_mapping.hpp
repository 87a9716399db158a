#pragma once
// What a layer kind sees of ONNX (nin/layers/layer_kind.hpp): the exporter's and the importer's
// side of one layer, without protobuf. The exporter (onnx_export.cpp) and the graph mapper
// (onnx_graph_mapper.cpp) implement these; the kinds say which nodes a layer is.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "nin/spec/network_spec.hpp"

namespace nin {

using OnnxDims = std::vector<std::int64_t>;

// "[1,2,3]"
std::string onnx_dims_text(const OnnxDims& dims);

// The attributes of a node being written.
class OnnxNodeAttributes {
 public:
  virtual ~OnnxNodeAttributes() = default;
  virtual OnnxNodeAttributes& integers(const char* name, const OnnxDims& values) = 0;
  virtual OnnxNodeAttributes& integer(const char* name, std::int64_t value) = 0;
  virtual OnnxNodeAttributes& real(const char* name, float value) = 0;
};

// Export of one layer: nodes appended to the chain, each reading the previous node's output.
class OnnxLayerExport {
 public:
  virtual ~OnnxLayerExport() = default;
  // A node named after the layer that reads the current value and those of the layer's tensors
  // named in `tensors` that it has (a convolution without bias has no "bias"), as initializers.
  virtual OnnxNodeAttributes& add_node(const char* op_type,
                                       std::initializer_list<const char*> tensors = {}) = 0;
  // Flattens [N, C, H, W] to [N, C·H·W] (PyTorch's order) unless the value is flat already.
  virtual void flatten() = 0;
  // The layer computes nothing at inference (dropout).
  virtual void leave_out() = 0;
};

// A float32 tensor read from a graph.
struct OnnxFloats {
  OnnxDims dims;
  std::vector<float> values;
};

// Import of one node: attributes and constant inputs checked as read, and the layers it becomes.
// Every failing check throws FormatError naming the file and the node.
class OnnxNodeImport {
 public:
  virtual ~OnnxNodeImport() = default;
  virtual const std::string& op() const = 0;
  // "'model.onnx': Conv 'conv1'", the prefix of messages.
  virtual const std::string& where() const = 0;
  [[noreturn]] virtual void fail(const std::string& what) const = 0;

  // Refuses attributes other than `known` (one nin does not know could change the result).
  virtual void known_attributes(std::initializer_list<const char*> known) = 0;
  virtual bool has(const char* name) const = 0;
  virtual std::int64_t integer(const char* name, std::int64_t fallback) const = 0;
  virtual float real(const char* name, float fallback) const = 0;
  virtual std::string text(const char* name, const std::string& fallback) const = 0;
  // A list of `size` integers (any size when 0).
  virtual OnnxDims integers(const char* name, const OnnxDims& fallback,
                            std::size_t size = 0) const = 0;

  virtual int input_count() const = 0;
  // Input i is given (not missing or empty).
  virtual bool has_input(int i) const = 0;
  virtual const std::string& input_name(int i) const = 0;
  // The dims of constant input i (checked before its values are read); `role` names it in
  // messages ("weight").
  virtual OnnxDims dims(int i, const char* role) const = 0;
  // Input i as a constant float32 tensor.
  virtual OnnxFloats floats(int i, const char* role) const = 0;
  // Input i as a constant integer tensor (axes, shapes).
  virtual OnnxDims integer_constant(int i, const char* role) const = 0;
  // Input i as a boolean constant holding false.
  virtual bool is_false(int i, const char* role) const = 0;

  // The value the node reads: its shape per image, and whether it was flattened to a vector.
  virtual const Shape& shape() const = 0;
  virtual bool flat() const = 0;
  // Refuses the node when the value was flattened (the layer reads image planes).
  virtual void require_planes() const = 0;
  // Pads [top, left, bottom, right] from "pads" or "auto_pad" for `window` (its own pads unused).
  virtual OnnxDims padding(const Window2d& window) const = 0;
  // Refuses kernels, strides or pads beyond a spec's limits.
  virtual void check_extents(const char* name, const OnnxDims& values) const = 0;

  // Appends a layer of kind `type` (its name comes from the node) and returns it to be filled.
  virtual LayerSpec& add_layer(std::string_view type) = 0;
  // A tensor of the latest added layer, by its nin name ("weight").
  virtual void add_tensor(const std::string& name, const OnnxDims& dims,
                          std::vector<float> values) = 0;
  // The value the node writes.
  virtual void set_shape(const Shape& shape, bool flat) = 0;
  // Something the user should know about the node, written after its description ("Dropout
  // 'd' <text>").
  virtual void note(const std::string& text) = 0;
};

}  // namespace nin
