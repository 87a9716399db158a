#include "nin-convert/report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/table.hpp"
#include "nin/onnx/onnx_metadata.hpp"

namespace nin::convert_tool {
namespace {

using json = nlohmann::ordered_json;

std::string format_name(cli::ModelFormat format, bool checkpoint) {
  if (format == cli::ModelFormat::onnx)
    return "ONNX model (opset " + std::to_string(kOnnxOpsetVersion) + ")";
  return checkpoint ? "nin checkpoint (HDF5)" : "nin model (HDF5)";
}

// Parameter values and batch-norm statistics: everything the output stores bit for bit.
std::int64_t stored_values(Network& network, std::int64_t* tensors) {
  std::int64_t values = 0;
  *tensors = 0;
  for (const auto& p : network.parameters()) {
    values += p.parameter->size();
    ++*tensors;
  }
  for (const auto& s : network.state()) {
    values += s.state->size();
    ++*tensors;
  }
  return values;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

struct Facts {
  std::string input_format, output_format;
  std::vector<std::string> steps;  // ONNX nodes or nin layers, "Op name" / "name (type)"
  std::int64_t values = 0, tensors = 0;
  bool normalization = false;
};

Facts facts_of(const Conversion& c) {
  Facts f;
  Network& network = *c.model.network;
  f.input_format = format_name(c.input_format, c.model.has_checkpoint);
  f.output_format = format_name(c.output_format, c.model.checkpoint.has_value());
  if (c.onnx) {
    for (const auto& node : c.onnx->nodes) f.steps.push_back(node.op_type + " " + node.name);
  } else {
    for (const auto& layer : network.spec().layers)
      f.steps.push_back(layer.name + " (" + layer.type + ")");
  }
  f.values = stored_values(network, &f.tensors);
  f.normalization = !c.model.info.normalization.mean.empty();
  return f;
}

// "(pixel − (123.675, 116.28, 103.53)) / (58.395, 57.12, 57.375)", in raw pixel units (0..255).
std::string normalization_text(const Normalization& n) {
  if (n.mean.empty()) return "none";
  const auto list = [](const std::vector<float>& values) {
    std::string text;
    for (const float v : values) {
      char number[32];
      std::snprintf(number, sizeof number, "%.6g", static_cast<double>(v));
      text += (text.empty() ? "" : ", ") + std::string(number);
    }
    return text;
  };
  return "(pixel − (" + list(n.mean) + ")) / (" + list(n.std) + ") per channel, pixels 0..255";
}

void write_json(std::ostream& out, const Conversion& c, const Facts& f) {
  const NetworkSpec& spec = c.model.network->spec();
  json report = {{"dry_run", true},
                 {"input", {{"path", c.options.input.string()}, {"format", f.input_format}}},
                 {"output", {{"path", c.options.output.string()}, {"format", f.output_format}}},
                 {"network", spec.name},
                 {"input_shape", {spec.input.height, spec.input.width, spec.input.channels}},
                 {"classes", spec.class_names},
                 {"normalization", f.normalization ? json{{"mean", c.model.info.normalization.mean},
                                                          {"std", c.model.info.normalization.std}}
                                                   : json(nullptr)},
                 {c.onnx ? "nodes" : "layers", f.steps},
                 {"tensors", f.tensors},
                 {"values", f.values},
                 {"left_out", c.left_out},
                 {"notes", c.model.notes}};
  out << cli::json_text(report, 2) << "\n";
}

void write_markdown(std::ostream& out, const Conversion& c, const Facts& f) {
  const NetworkSpec& spec = c.model.network->spec();
  const Shape& in = spec.input;
  out << "Dry run: nothing written.\n\n"
      << "- input: '" << c.options.input.string() << "', " << f.input_format << "\n"
      << "- output: '" << c.options.output.string() << "', " << f.output_format << "\n"
      << "- network: " << (spec.name.empty() ? "-" : spec.name) << ", input " << in.height << "×"
      << in.width << "×" << in.channels << ", " << spec.classes << " classes\n"
      << "- classes: " << joined(spec.class_names, ", ") << "\n"
      << "- input normalisation: " << normalization_text(c.model.info.normalization)
      << (f.normalization && c.onnx ? ", as Sub and Div nodes" : "") << "\n"
      << "- " << (c.onnx ? "nodes" : "layers") << " (" << f.steps.size()
      << "): " << joined(f.steps, ", ") << "\n"
      << "- stored: " << cli::with_thousands(f.values) << " values in " << f.tensors
      << " tensors (parameters and batch-norm statistics), bit for bit\n"
      << "- left out: " << (c.left_out.empty() ? "nothing" : joined(c.left_out, "; ")) << "\n";
  if (!c.model.notes.empty()) out << "- notes: " << joined(c.model.notes, "; ") << "\n";
}

}  // namespace

void write_report(std::ostream& out, const Conversion& conversion, cli::Format format) {
  const Facts facts = facts_of(conversion);
  if (format == cli::Format::json) return write_json(out, conversion, facts);
  write_markdown(out, conversion, facts);
}

}  // namespace nin::convert_tool
