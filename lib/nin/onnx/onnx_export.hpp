#pragma once
// Export of a network to ONNX (opset 13): Conv, Relu, MaxPool/AveragePool, BatchNormalization,
// GlobalAveragePool, Flatten and optionally Softmax; dropout layers are left out (they are the
// identity at inference). Batch normalisation stays a BatchNormalization node and the input
// normalisation becomes Sub/Div nodes with per-channel constants, so that every stored tensor is
// written bit for bit and an import gives the model back. The spec, class names and provenance go
// into the metadata (nin/onnx/onnx_metadata.hpp). The input "input" is [batch, C, H, W] float32
// raw pixel values, as the data readers give them (0..255 for byte images); the output is
// "logits" [batch, classes] or, with a final Softmax, "probabilities".

#include <string>
#include <vector>

#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"

namespace nin {

struct OnnxExportOptions {
  bool softmax = false;  // end with Softmax over the classes
};

struct OnnxNode {
  std::string op_type;
  std::string name;
};

struct OnnxExport {
  std::string bytes;                 // the serialised model, accepted by onnx::checker
  std::vector<OnnxNode> nodes;       // in graph order, for reports
  std::vector<std::string> dropped;  // layers left out (dropout), by name
};

// Builds the model of `network` (its parameters and batch-normalisation statistics) with the
// normalisation and provenance of `info`. Every model is checked with onnx::checker; a failure
// there is a bug and throws Error.
OnnxExport export_onnx(Network& network, const ModelInfo& info, const OnnxExportOptions& options);

}  // namespace nin
