#include "nin/onnx/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <map>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/core/text_file.hpp"
#include "nin/io/model_values.hpp"
#include "nin/layers/layer_registry.hpp"
#include "nin/onnx/onnx_graph_mapper.hpp"
#include "nin/onnx/onnx_metadata.hpp"
#include "nin/onnx/onnx_tensors.hpp"

namespace nin {
namespace {

namespace fs = std::filesystem;
using onnx_tensors::dims_text;

constexpr std::size_t kMaxFileBytes = std::size_t{1} << 30;

std::string in_quotes(const std::string& text) {
  return "'" + text + "'";
}

// The first difference between the layers of two specs, ignoring dropout layers (ONNX exports
// leave them out), or "" when they describe the same computation.
std::string structure_difference(const NetworkSpec& stored, const NetworkSpec& graph) {
  if (!(stored.input == graph.input)) return "input shape";
  if (stored.classes != graph.classes) return "number of classes";
  std::vector<const LayerSpec*> a, b;
  for (const auto& l : stored.layers)
    if (!kind_of(l).identity_at_inference()) a.push_back(&l);
  for (const auto& l : graph.layers)
    if (!kind_of(l).identity_at_inference()) b.push_back(&l);
  if (a.size() != b.size()) return "number of layers";
  for (std::size_t i = 0; i < a.size(); ++i) {
    const LayerSpec& x = *a[i];
    const LayerSpec& y = *b[i];
    if (x.type != y.type || !kind_of(x).same_computation(x, y)) return "layer '" + x.name + "'";
  }
  return "";
}

// Uses nin's metadata where it agrees with the graph.
void apply_metadata(ImportedModel& model, const onnx::ModelProto& proto) {
  MetadataEntries entries;
  for (const auto& e : proto.metadata_props()) entries.emplace_back(e.key(), e.value());
  const OnnxMetadata metadata = read_onnx_metadata(entries);
  NetworkSpec& spec = model.spec;
  const auto classes = static_cast<std::size_t>(spec.classes);

  if (metadata.spec_json) {
    try {
      NetworkSpec stored = parse_network_spec(*metadata.spec_json, spec.source);
      const std::string difference = structure_difference(stored, spec);
      if (difference.empty()) {
        // Same layers in the same order but for dropout: rename the tensors' layers.
        std::vector<std::string> stored_names, graph_names;
        for (const auto& l : stored.layers)
          if (!kind_of(l).identity_at_inference()) stored_names.push_back(l.name);
        for (const auto& l : spec.layers)
          if (!kind_of(l).identity_at_inference()) graph_names.push_back(l.name);
        std::map<std::string, std::string> rename;
        for (std::size_t i = 0; i < graph_names.size(); ++i)
          rename[graph_names[i]] = stored_names[i];
        for (auto& t : model.tensors) t.layer = rename.at(t.layer);
        spec = std::move(stored);
        model.spec_from_metadata = true;
      } else {
        model.notes.push_back("the spec in the metadata ('" + std::string(kOnnxSpecKey) +
                              "') differs from the graph in its " + difference +
                              "; the spec is derived from the graph");
      }
    } catch (const SpecError&) {
      model.notes.push_back("the spec in the metadata ('" + std::string(kOnnxSpecKey) +
                            "') is not a valid spec; the spec is derived from the graph");
    }
  }
  if (!model.spec_from_metadata) {
    if (metadata.class_names && metadata.class_names->size() == classes)
      spec.class_names = *metadata.class_names;
    if (spec.class_names.size() != classes) {
      spec.class_names.clear();
      for (std::size_t k = 0; k < classes; ++k) spec.class_names.push_back(std::to_string(k));
    }
  }
  if (metadata.provenance) {
    model.info.provenance = *metadata.provenance;
  } else {
    Provenance& p = model.info.provenance;
    p.tool_version =
        proto.producer_name().empty()
            ? "unknown ONNX producer"
            : proto.producer_name() +
                  (proto.producer_version().empty() ? "" : " " + proto.producer_version());
    p.metrics_json = "{}";
  }
}

}  // namespace

void ImportedModel::copy_into(Network& network) const {
  const auto find = [&](const std::string& layer, const std::string& name,
                        const std::vector<std::int64_t>& dims) -> const ImportedTensor& {
    for (const auto& t : tensors)
      if (t.layer == layer && t.name == name) {
        if (t.dims != dims)
          throw FormatError("'" + spec.source + "': tensor " + name + " of layer '" + layer +
                            "' is " + dims_text(t.dims) + ", expected " + dims_text(dims));
        return t;
      }
    throw FormatError("'" + spec.source + "': layer '" + layer + "' has no tensor " + name);
  };
  for (const auto& p : network.parameters()) {
    const auto& t = find(p.layer, p.parameter->name, p.parameter->dims);
    std::copy(t.values.begin(), t.values.end(), p.parameter->value);
  }
  for (const auto& s : network.state()) {
    const auto& t = find(s.layer, s.state->name, s.state->dims);
    std::copy(t.values.begin(), t.values.end(), s.state->value);
  }
  try {
    check_finite_parameters(network, info.normalization);
  } catch (const FormatError& e) {
    throw FormatError("'" + spec.source + "': " + e.what());
  }
}

ImportedModel import_onnx(const fs::path& path) {
  return import_onnx(read_text_file(path, kMaxFileBytes), path.string());
}

ImportedModel import_onnx(std::string_view bytes, const std::string& source) {
  const std::string file = in_quotes(source);
  onnx::ModelProto proto;
  if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    // Every ONNX writer starts with ir_version (field 1, a varint: byte 0x08).
    if (!bytes.empty() && bytes.front() == '\x08')
      throw FormatError(file +
                        ": truncated or damaged ONNX model (its protobuf data does not parse)");
    throw FormatError(file + ": not an ONNX model (not protobuf data)");
  }
  if (proto.ir_version() < 1 || !proto.has_graph())
    throw FormatError(file + ": not an ONNX model (no IR version or no graph)");

  ImportedModel model = onnx_mapping::map_graph(proto, source);
  apply_metadata(model, proto);
  try {
    infer_shapes(model.spec);
  } catch (const SpecError& e) {
    throw FormatError(std::string(e.what()) + " (in the network mapped from the ONNX graph)");
  }
  return model;
}

ModelContents read_onnx_model(const fs::path& path) {
  return read_model_isolated(path, "ONNX importer", [&] {
    const ImportedModel imported = import_onnx(path);
    Network network(imported.spec, 1, NetworkUse::inference);
    imported.copy_into(network);
    ModelContents contents = contents_of(network, imported.info);
    contents.notes = imported.notes;
    return contents;
  });
}

}  // namespace nin
