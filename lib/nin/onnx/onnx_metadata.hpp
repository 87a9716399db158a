#pragma once
// The names nin gives to what it writes into an ONNX model, and the metadata_props entries that
// carry what ONNX itself cannot: the nin spec (dropout layers, initialisers, learning-rate
// multipliers), the class names and the provenance. README.md ("Converting models") lists them.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nin/io/model_file.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

inline constexpr std::int64_t kOnnxOpsetVersion = 13;
inline constexpr std::int64_t kOnnxIrVersion = 7;  // the IR version of opset 13 (ONNX 1.8)
inline constexpr const char* kOnnxInputName = "input";
inline constexpr const char* kOnnxBatchDimension = "batch";
inline constexpr const char* kOnnxLogitsName = "logits";
inline constexpr const char* kOnnxProbabilitiesName = "probabilities";

// metadata_props keys.
inline constexpr const char* kOnnxSpecKey = "nin.spec";                // spec JSON
inline constexpr const char* kOnnxClassNamesKey = "nin.class_names";   // JSON array of strings
inline constexpr const char* kOnnxProvenanceKey = "nin.provenance";    // JSON object
inline constexpr const char* kOnnxPlainClassNamesKey = "class_names";  // the same array, for others

using MetadataEntries = std::vector<std::pair<std::string, std::string>>;

// The entries written for a model.
MetadataEntries onnx_metadata_for(const NetworkSpec& spec, const Provenance& provenance);

// What a model's entries say; each part is empty when absent or unreadable.
struct OnnxMetadata {
  std::optional<std::string> spec_json;
  std::optional<std::vector<std::string>> class_names;
  std::optional<Provenance> provenance;
};
OnnxMetadata read_onnx_metadata(const MetadataEntries& entries);

}  // namespace nin
