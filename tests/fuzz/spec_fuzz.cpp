// Fuzzes the JSON network spec parser: parse_network_spec with shape inference, then the cost
// arithmetic nin-params does on what it accepted, and the spec's round trip through to_json_text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "nin/core/error.hpp"
#include "nin/spec/layer_cost.hpp"
#include "nin/spec/network_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nin::NetworkSpec spec;
  try {
    spec = nin::parse_network_spec(text, "fuzz.json");
  } catch (const nin::Error&) {
    return 0;  // a typed rejection is the expected outcome for most inputs
  }
  (void)nin::network_cost(spec);
  // What to_json_text writes, parse_network_spec must read back as the same network.
  const nin::NetworkSpec again = nin::parse_network_spec(nin::to_json_text(spec), "round trip");
  nin::fuzz::require(again.layers.size() == spec.layers.size(), "round trip keeps the layers");
  nin::fuzz::require(again.input == spec.input && again.output() == spec.output(),
                     "round trip keeps the shapes");
  return 0;
}
