#include "nin/onnx/onnx_metadata.hpp"

#include <nlohmann/json.hpp>

namespace nin {
namespace {

// Ordered, so that a model's metrics keep the order of their keys through a conversion.
using json = nlohmann::ordered_json;

std::optional<std::vector<std::string>> string_array(const std::string& text) {
  const json names = json::parse(text, nullptr, false);
  if (!names.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& name : names) {
    if (!name.is_string()) return std::nullopt;
    out.push_back(name.get<std::string>());
  }
  return out;
}

std::optional<Provenance> provenance_from(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Provenance p;
  const auto text_of = [&](const char* key) {
    return j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string();
  };
  p.tool_version = text_of("tool_version");
  p.dataset = text_of("dataset");
  p.created = text_of("created");
  if (j.contains("epochs") && j.at("epochs").is_number_integer() &&
      j.at("epochs").get<std::int64_t>() >= 0)
    p.epochs = j.at("epochs").get<std::int64_t>();
  if (j.contains("seed") && j.at("seed").is_number_unsigned())
    p.seed = j.at("seed").get<std::uint64_t>();
  // Metrics are stored as the JSON object they are (as a string when they were not JSON); the
  // model file keeps them as text.
  if (j.contains("metrics"))
    p.metrics_json =
        j.at("metrics").is_string() ? j.at("metrics").get<std::string>() : j.at("metrics").dump();
  return p;
}

}  // namespace

MetadataEntries onnx_metadata_for(const NetworkSpec& spec, const Provenance& provenance) {
  const std::string class_names = json(spec.class_names).dump();
  json p = {{"tool_version", provenance.tool_version},
            {"dataset", provenance.dataset},
            {"epochs", provenance.epochs},
            {"seed", provenance.seed},
            {"created", provenance.created}};
  // Metrics that are not valid JSON (they always are when nin wrote them) are kept as a string.
  const json metrics = json::parse(provenance.metrics_json, nullptr, false);
  p["metrics"] = metrics.is_discarded() ? json(provenance.metrics_json) : metrics;
  return {{kOnnxSpecKey, to_json_text(spec)},
          {kOnnxClassNamesKey, class_names},
          {kOnnxPlainClassNamesKey, class_names},
          {kOnnxProvenanceKey, p.dump()}};
}

OnnxMetadata read_onnx_metadata(const MetadataEntries& entries) {
  OnnxMetadata metadata;
  for (const auto& [key, value] : entries) {
    if (key == kOnnxSpecKey) metadata.spec_json = value;
    if (key == kOnnxClassNamesKey) metadata.class_names = string_array(value);
    if (key == kOnnxPlainClassNamesKey && !metadata.class_names)
      metadata.class_names = string_array(value);
    if (key == kOnnxProvenanceKey) metadata.provenance = provenance_from(value);
  }
  return metadata;
}

}  // namespace nin
