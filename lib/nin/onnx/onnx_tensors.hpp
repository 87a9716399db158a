#pragma once
// Internal to nin/onnx: the constants of an ONNX graph (initializers, Constant nodes and Identity
// nodes of either) and reading their values with every size checked against the data present,
// so a damaged file cannot ask for a huge buffer. Errors are FormatErrors prefixed with `where`,
// which names the file, node and tensor.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace nin::onnx_tensors {

using Dims = std::vector<std::int64_t>;

// More values than this in one tensor is refused (the spec's limit for one layer's weights).
inline constexpr std::int64_t kMaxValues = std::int64_t{1} << 31;

class GraphConstants {
 public:
  explicit GraphConstants(const onnx::GraphProto& graph);

  // Records the value of a Constant node.
  void add_constant_node(const onnx::NodeProto& node, const std::string& where);
  // Records `alias` as another name of the constant `name`; false when `name` is no constant.
  bool add_alias(const std::string& alias, const std::string& name);

  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  // The constant called `name`; throws when there is none.
  const onnx::TensorProto& get(const std::string& name, const std::string& where) const;

 private:
  std::map<std::string, const onnx::TensorProto*> tensors_;
  std::deque<onnx::TensorProto> owned_;  // values of Constant nodes given as attributes
};

// The dims of a tensor, each checked to be non-negative and their product at most kMaxValues.
Dims checked_dims(const onnx::TensorProto& tensor, const std::string& where);

// float32 values (float, double and float16 are not converted: only float32 is accepted).
std::vector<float> read_floats(const onnx::TensorProto& tensor, const std::string& where);
// int64 values (also accepted as int32).
std::vector<std::int64_t> read_integers(const onnx::TensorProto& tensor, const std::string& where);

std::string dims_text(const Dims& dims);

}  // namespace nin::onnx_tensors
