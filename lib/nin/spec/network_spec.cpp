#include "nin/spec/network_spec.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/core/strict_json.hpp"
#include "nin/core/text_file.hpp"
#include "nin/layers/layer_registry.hpp"
#include "nin/spec/spec_fields.hpp"

namespace nin {
namespace {

using nlohmann::json;

std::string shape_text(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

// Names become HDF5 group names in model files, so "." and ".." must not be possible.
bool valid_layer_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  const auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  return word(name[0]) && std::all_of(name.begin(), name.end(),
                                      [&](char c) { return word(c) || c == '-' || c == '.'; });
}

LayerSpec parse_layer(const json& v, std::size_t index, const std::string& source) {
  const std::string where = "'" + source + "': layer " + std::to_string(index + 1);
  if (!v.is_object()) throw SpecError(where + ": must be a JSON object");
  FieldReader first(v, where);
  LayerSpec layer;
  layer.name = first.string("name");
  if (!valid_layer_name(layer.name))
    first.fail("name '" + layer.name +
               "' must be 1 to 64 characters of letters, digits, '_', '-' or '.', starting with a "
               "letter, digit or '_'");
  FieldReader reader(v, "'" + source + "': layer '" + layer.name + "'");
  layer.type = reader.string("type");
  const LayerKind* kind = layer_registry().find(layer.type);
  if (!kind)
    reader.fail("unknown layer type '" + layer.type +
                "'; valid types: " + join_words(layer_registry().names()));
  std::vector<std::string_view> fields{"name", "type"};
  for (const auto field : kind->fields()) fields.push_back(field);
  reader.reject_unknown(fields);
  kind->read(reader, layer);
  return layer;
}

}  // namespace

std::int64_t convolution_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                     std::int64_t pad) {
  return (input + 2 * pad - kernel) / stride + 1;
}

std::int64_t pooling_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                 std::int64_t pad, bool ceil_mode) {
  // Floor mode: the last window ends inside the input or its right padding, and so starts inside
  // the input (the padding is smaller than the kernel).
  if (!ceil_mode) return convolution_output_size(input, kernel, stride, pad);
  std::int64_t out = (input + 2 * pad - kernel + stride - 1) / stride + 1;
  // The last window must start inside the input or its left padding (Caffe's rule, which Caffe
  // applies only when padded; without padding a stride larger than the kernel needs it too).
  if ((out - 1) * stride >= input + pad) --out;
  return out;
}

Shape pooled_shape(const Shape& input, const Window2d& window, bool ceil_mode) {
  const Window2d& w = window;
  return {input.channels,
          pooling_output_size(input.height, w.kernel_h, w.stride_h, w.pad_h, ceil_mode),
          pooling_output_size(input.width, w.kernel_w, w.stride_w, w.pad_w, ceil_mode)};
}

NetworkSpec parse_network_spec(std::string_view json_text, const std::string& source) {
  const std::string quoted = "'" + source + "'";
  json doc;
  if (const auto problem = parse_strict_json(json_text, doc))
    throw SpecError(quoted + ": " + *problem);
  if (!doc.is_object()) throw SpecError(quoted + ": a network spec must be a JSON object");
  FieldReader reader(doc, quoted);
  reader.reject_unknown(
      {"version", "name", "description", "input", "classes", "class_names", "layers"});
  if (reader.has("version") && reader.integer("version", 1, 1) != 1)
    reader.fail("unsupported version");

  NetworkSpec spec;
  spec.source = source;
  if (reader.has("name")) spec.name = reader.string("name");
  if (reader.has("description")) spec.description = reader.string("description");

  const json& input = reader.require("input");
  if (!input.is_object())
    reader.fail("field 'input' must be an object {\"channels\": C, \"height\": H, \"width\": W}");
  FieldReader input_reader(input, quoted + ": input");
  input_reader.reject_unknown({"channels", "height", "width"});
  spec.input.channels = input_reader.integer("channels", 1, kMaxSpecChannels);
  spec.input.height = input_reader.integer("height", 1, kMaxSpecExtent);
  spec.input.width = input_reader.integer("width", 1, kMaxSpecExtent);
  spec.classes = reader.integer("classes", 1, kMaxSpecChannels);

  if (reader.has("class_names")) {
    const json& names = doc.at("class_names");
    if (!names.is_array()) reader.fail("field 'class_names' must be an array of strings");
    for (const auto& n : names) {
      if (!n.is_string()) reader.fail("field 'class_names' must be an array of strings");
      spec.class_names.push_back(n.get<std::string>());
    }
    if (static_cast<std::int64_t>(spec.class_names.size()) != spec.classes)
      reader.fail("'class_names' has " + std::to_string(spec.class_names.size()) +
                  " entries, expected one per class (" + std::to_string(spec.classes) + ")");
  }

  const json& layers = reader.require("layers");
  if (!layers.is_array() || layers.empty()) reader.fail("field 'layers' must be a non-empty array");
  std::set<std::string> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto layer = parse_layer(layers[i], i, source);
    if (!names.insert(layer.name).second)
      throw SpecError(quoted + ": layer name '" + layer.name + "' is used twice");
    spec.layers.push_back(std::move(layer));
  }
  infer_shapes(spec);
  return spec;
}

NetworkSpec load_network_spec(const std::filesystem::path& path) {
  return parse_network_spec(read_text_file(path), path.string());
}

void infer_shapes(NetworkSpec& spec) {
  const std::string quoted = "'" + spec.source + "'";
  if (spec.input.channels <= 0 || spec.input.height <= 0 || spec.input.width <= 0)
    throw SpecError(quoted + ": input " + shape_text(spec.input) + " is not positive");
  if (spec.input.elements() > kMaxSpecElements)
    throw SpecError(quoted + ": input " + shape_text(spec.input) +
                    " has more than 2^31 elements per image");
  Shape shape = spec.input;
  ShapeContext context{spec};
  const LayerSpec* flattened_by = nullptr;
  for (auto& layer : spec.layers) {
    const LayerKind& kind = kind_of(layer);
    layer.input = shape;
    if (flattened_by && kind.needs_planes())
      context.fail(layer, "needs image planes, but '" + flattened_by->name +
                              "' made them one vector per image");
    shape = kind.output_shape(layer, context);
    if (shape.height <= 0 || shape.width <= 0 || shape.channels <= 0)
      context.fail(layer, "output size " + shape_text(shape) + " is not positive");
    if (shape.elements() > kMaxSpecElements)
      context.fail(layer, "output " + shape_text(shape) + " has more than 2^31 elements per image");
    layer.output = shape;
    if (kind.sets_outputs()) context.last_with_outputs = &layer;
    if (kind.flattens()) flattened_by = &layer;
  }
  const Shape expected{spec.classes, 1, 1};
  if (!(shape == expected))
    throw SpecError(quoted + ": the network's output is " + shape_text(shape) + ", expected " +
                    shape_text(expected) + " (one score per class); end it with global_avg_pool");
}

NetworkSpec with_input(NetworkSpec spec, Shape input) {
  spec.input = input;
  infer_shapes(spec);
  return spec;
}

NetworkSpec with_classes(NetworkSpec spec, std::int64_t classes) {
  const auto last = std::find_if(spec.layers.rbegin(), spec.layers.rend(),
                                 [](const LayerSpec& l) { return kind_of(l).sets_outputs(); });
  if (last == spec.layers.rend())
    throw SpecError("'" + spec.source + "': has no convolution to give " + std::to_string(classes) +
                    " outputs");
  last->outputs = classes;
  if (static_cast<std::int64_t>(spec.class_names.size()) != classes) spec.class_names.clear();
  spec.classes = classes;
  infer_shapes(spec);
  return spec;
}

std::string to_json_text(const NetworkSpec& spec) {
  json doc;
  doc["version"] = 1;
  if (!spec.name.empty()) doc["name"] = spec.name;
  if (!spec.description.empty()) doc["description"] = spec.description;
  doc["input"] = {{"channels", spec.input.channels},
                  {"height", spec.input.height},
                  {"width", spec.input.width}};
  doc["classes"] = spec.classes;
  if (!spec.class_names.empty()) doc["class_names"] = spec.class_names;
  json layers = json::array();
  for (const auto& l : spec.layers) {
    json j;
    j["name"] = l.name;
    j["type"] = l.type;
    kind_of(l).write(l, j);
    layers.push_back(std::move(j));
  }
  doc["layers"] = std::move(layers);
  return doc.dump(2) + "\n";
}

}  // namespace nin
