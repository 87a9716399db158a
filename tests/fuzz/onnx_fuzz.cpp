// Fuzzes the ONNX importer on a model in memory, then builds the network it maps to and copies
// the imported tensors into it, as nin-convert and nin-eval do.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nin/core/error.hpp"
#include "nin/net/network.hpp"
#include "nin/onnx/onnx_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const nin::ImportedModel model = nin::import_onnx(bytes, "fuzz.onnx");
    nin::Network network(model.spec, 1);
    model.copy_into(network);
  } catch (const nin::Error&) {
  }
  return 0;
}
