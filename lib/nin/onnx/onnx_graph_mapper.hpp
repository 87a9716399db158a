#pragma once
// Internal to nin/onnx: walks the chain of nodes of an ONNX graph from its one input to its one
// output and maps each node onto nin layers, checking every attribute and tensor on the way (what
// is accepted: nin/onnx/onnx_import.hpp).

#include <onnx/onnx_pb.h>

#include <string>

#include "nin/onnx/onnx_import.hpp"

namespace nin::onnx_mapping {

// The network `model` describes: the spec (named after `source`, its layers after the nodes,
// without class names or inferred shapes), the tensors, the input normalisation and notes. Throws
// FormatError naming `source` and the node at fault.
ImportedModel map_graph(const onnx::ModelProto& model, const std::string& source);

}  // namespace nin::onnx_mapping
