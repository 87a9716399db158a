#include "nin/onnx/onnx_tensors.hpp"

#include "nin/onnx/onnx_layer_mapping.hpp"

#include <bit>
#include <cstring>

#include "nin/core/error.hpp"

namespace nin::onnx_tensors {
namespace {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; it is copied as it is");

const char* type_name(std::int32_t type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
      return "float32";
    case onnx::TensorProto::UINT8:
      return "uint8";
    case onnx::TensorProto::INT8:
      return "int8";
    case onnx::TensorProto::INT32:
      return "int32";
    case onnx::TensorProto::INT64:
      return "int64";
    case onnx::TensorProto::FLOAT16:
      return "float16";
    case onnx::TensorProto::DOUBLE:
      return "float64";
    case onnx::TensorProto::BFLOAT16:
      return "bfloat16";
    case onnx::TensorProto::BOOL:
      return "bool";
    default:
      return "a type nin does not read";
  }
}

std::int64_t element_count(const Dims& dims) {
  std::int64_t n = 1;
  for (const auto d : dims) n *= d;
  return n;
}

void check_stored_here(const onnx::TensorProto& tensor, const std::string& where) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    throw FormatError(where + " is stored in an external file, which nin does not read");
  if (tensor.has_segment()) throw FormatError(where + " is segmented, which nin does not read");
}

// Copies `count` values of type T from raw_data, whose size must be exactly that.
template <typename T>
std::vector<T> from_raw(const onnx::TensorProto& tensor, std::int64_t count,
                        const std::string& where) {
  const std::string& raw = tensor.raw_data();
  const auto expected = static_cast<std::uint64_t>(count) * sizeof(T);
  if (raw.size() != expected)
    throw FormatError(where + " has dims " +
                      dims_text({tensor.dims().begin(), tensor.dims().end()}) + " (" +
                      std::to_string(count) + " values, " + std::to_string(expected) +
                      " bytes) but holds " + std::to_string(raw.size()) + " bytes");
  std::vector<T> values(static_cast<std::size_t>(count));
  if (count > 0) std::memcpy(values.data(), raw.data(), raw.size());
  return values;
}

template <typename Field>
void check_field_size(const onnx::TensorProto& tensor, const Field& field, std::int64_t count,
                      const std::string& where) {
  if (static_cast<std::int64_t>(field.size()) != count)
    throw FormatError(where + " has dims " +
                      dims_text({tensor.dims().begin(), tensor.dims().end()}) + " (" +
                      std::to_string(count) + " values) but holds " + std::to_string(field.size()));
}

}  // namespace

std::string dims_text(const Dims& dims) {
  return onnx_dims_text(dims);
}

GraphConstants::GraphConstants(const onnx::GraphProto& graph) {
  for (const auto& tensor : graph.initializer()) tensors_[tensor.name()] = &tensor;
}

void GraphConstants::add_constant_node(const onnx::NodeProto& node, const std::string& where) {
  if (node.output_size() != 1 || node.attribute_size() != 1)
    throw FormatError(where + ": a Constant node has one output and one attribute");
  const onnx::AttributeProto& a = node.attribute(0);
  onnx::TensorProto tensor;
  if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR) {
    tensor = a.t();
  } else if (a.name() == "value_float" && a.type() == onnx::AttributeProto::FLOAT) {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(a.f());
  } else if (a.name() == "value_floats" && a.type() == onnx::AttributeProto::FLOATS) {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(a.floats_size());
    for (const float f : a.floats()) tensor.add_float_data(f);
  } else if (a.name() == "value_int" && a.type() == onnx::AttributeProto::INT) {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(a.i());
  } else if (a.name() == "value_ints" && a.type() == onnx::AttributeProto::INTS) {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(a.ints_size());
    for (const auto i : a.ints()) tensor.add_int64_data(i);
  } else {
    throw FormatError(where + ": Constant attribute '" + a.name() +
                      "' is not one nin reads (value, value_float(s), value_int(s))");
  }
  tensor.set_name(node.output(0));
  owned_.push_back(std::move(tensor));
  tensors_[node.output(0)] = &owned_.back();
}

bool GraphConstants::add_alias(const std::string& alias, const std::string& name) {
  const auto found = tensors_.find(name);
  if (found == tensors_.end()) return false;
  tensors_[alias] = found->second;
  return true;
}

const onnx::TensorProto& GraphConstants::get(const std::string& name,
                                             const std::string& where) const {
  const auto found = tensors_.find(name);
  if (found == tensors_.end())
    throw FormatError(where + " is not a constant (an initializer or a Constant node)");
  return *found->second;
}

Dims checked_dims(const onnx::TensorProto& tensor, const std::string& where) {
  Dims dims;
  std::int64_t count = 1;
  for (const auto d : tensor.dims()) {
    if (d < 0) throw FormatError(where + " has a negative dimension " + std::to_string(d));
    if (d > 0 && count > kMaxValues / d)
      throw FormatError(where + " has dims " +
                        dims_text({tensor.dims().begin(), tensor.dims().end()}) +
                        ", more than 2^31 values");
    count *= d;
    dims.push_back(d);
  }
  return dims;
}

std::vector<float> read_floats(const onnx::TensorProto& tensor, const std::string& where) {
  check_stored_here(tensor, where);
  if (tensor.data_type() != onnx::TensorProto::FLOAT)
    throw FormatError(where + " is " + type_name(tensor.data_type()) + ", expected float32");
  const std::int64_t count = element_count(checked_dims(tensor, where));
  if (tensor.has_raw_data()) return from_raw<float>(tensor, count, where);
  check_field_size(tensor, tensor.float_data(), count, where);
  return {tensor.float_data().begin(), tensor.float_data().end()};
}

std::vector<std::int64_t> read_integers(const onnx::TensorProto& tensor, const std::string& where) {
  check_stored_here(tensor, where);
  const std::int64_t count = element_count(checked_dims(tensor, where));
  if (tensor.data_type() == onnx::TensorProto::INT64) {
    if (tensor.has_raw_data()) return from_raw<std::int64_t>(tensor, count, where);
    check_field_size(tensor, tensor.int64_data(), count, where);
    return {tensor.int64_data().begin(), tensor.int64_data().end()};
  }
  if (tensor.data_type() == onnx::TensorProto::INT32) {
    if (tensor.has_raw_data()) {
      const auto narrow = from_raw<std::int32_t>(tensor, count, where);
      return {narrow.begin(), narrow.end()};
    }
    check_field_size(tensor, tensor.int32_data(), count, where);
    return {tensor.int32_data().begin(), tensor.int32_data().end()};
  }
  throw FormatError(where + " is " + type_name(tensor.data_type()) + ", expected int64");
}

}  // namespace nin::onnx_tensors
