#pragma once
// Import of an ONNX model of the NIN family: a chain of Conv, Relu, MaxPool/AveragePool,
// BatchNormalization, Dropout and global average pooling (GlobalAveragePool or ReduceMean over
// the plane) from one input to one output, with what exporters put around it — Flatten, Reshape
// or Squeeze to [N, classes], Identity, a Pad that adds nothing, Constant nodes, a final Softmax
// and leading Sub/Div by per-channel constants (the input normalisation). It maps the graph onto a
// spec with its tensors; anything that does not map exactly (an unknown op, grouped or dilated
// convolution, pooling windows that differ from nin's, a second input, a tensor whose shape
// contradicts the graph) is a FormatError naming the file and the node. When the model carries
// nin's metadata (nin/onnx/onnx_metadata.hpp) and its spec agrees with the graph, that spec is
// used, so dropout layers, initialisers and learning-rate multipliers survive a round trip.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nin/io/model_contents.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

struct ImportedTensor {
  std::string layer;  // a layer of the spec
  std::string name;   // weight, bias, scale, shift, running_mean, running_var
  std::vector<std::int64_t> dims;
  std::vector<float> values;
};

struct ImportedModel {
  NetworkSpec spec;
  ModelInfo info;
  std::vector<ImportedTensor> tensors;
  bool spec_from_metadata = false;  // the spec came from nin's metadata, checked against the graph
  std::vector<std::string> notes;   // what was left out or assumed, one sentence each

  // Writes the tensors into a network built from `spec`.
  void copy_into(Network& network) const;
};

// Reads and maps an ONNX file; throws IoError when it cannot be read and FormatError (naming the
// file, and the node or tensor at fault) when it is not an ONNX model or does not map.
ImportedModel import_onnx(const std::filesystem::path& path);

// The same for a model in memory; `source` names it in messages.
ImportedModel import_onnx(std::string_view bytes, const std::string& source);

// Imports an ONNX file in a sandbox (nin/io/model_contents.hpp: read_model_isolated), the import's
// notes included.
ModelContents read_onnx_model(const std::filesystem::path& path);

}  // namespace nin
