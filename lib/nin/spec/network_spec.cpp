#include "nin/spec/network_spec.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/core/text_file.hpp"

namespace nin {
namespace {

using nlohmann::json;

// Guards against specs that would ask for absurd buffers before anything is allocated.
constexpr std::int64_t kMaxExtent = 1 << 16;                  // height, width, kernel, stride, pad
constexpr std::int64_t kMaxChannels = 1 << 20;                // channels, outputs, classes
constexpr std::int64_t kMaxElements = std::int64_t{1} << 31;  // per-image activations of a layer

struct LayerTypeName {
  LayerType type;
  std::string_view name;
};
constexpr std::array<LayerTypeName, 7> kLayerTypes{{
    {LayerType::convolution, "convolution"},
    {LayerType::relu, "relu"},
    {LayerType::max_pool, "max_pool"},
    {LayerType::avg_pool, "avg_pool"},
    {LayerType::global_avg_pool, "global_avg_pool"},
    {LayerType::dropout, "dropout"},
    {LayerType::batch_norm, "batch_norm"},
}};

std::vector<std::string_view> allowed_fields(LayerType type) {
  switch (type) {
    case LayerType::convolution:
      return {"name", "type", "outputs", "kernel",  "stride",
              "pad",  "bias", "init",    "lr_mult", "bias_lr_mult"};
    case LayerType::max_pool:
    case LayerType::avg_pool:
      return {"name", "type", "kernel", "stride", "pad", "ceil_mode"};
    case LayerType::dropout:
      return {"name", "type", "ratio"};
    case LayerType::batch_norm:
      return {"name", "type", "momentum", "eps", "lr_mult", "bias_lr_mult"};
    case LayerType::relu:
    case LayerType::global_avg_pool:
      return {"name", "type"};
  }
  return {};
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string dims(std::int64_t h, std::int64_t w) {
  return std::to_string(h) + "x" + std::to_string(w);
}

std::string shape_text(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

// Reads fields of one JSON object and reports problems with a common prefix.
class FieldReader {
 public:
  FieldReader(const json& object, std::string context)
      : object_(object), context_(std::move(context)) {}

  [[noreturn]] void fail(const std::string& what) const { throw SpecError(context_ + ": " + what); }

  void reject_unknown(const std::vector<std::string_view>& allowed) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail("unknown field '" + key + "'; valid fields: " + join(allowed));
    }
  }

  bool has(const char* key) const { return object_.contains(key); }

  std::string string(const char* key) const {
    const json& v = require(key);
    if (!v.is_string()) fail("field '" + std::string(key) + "' must be a string");
    return v.get<std::string>();
  }

  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) const {
    return checked_integer(require(key), key, min, max);
  }

  std::int64_t integer_or(const char* key, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) const {
    return has(key) ? integer(key, min, max) : fallback;
  }

  // An integer or a [height, width] pair.
  std::pair<std::int64_t, std::int64_t> pair_or(const char* key, std::int64_t fallback,
                                                std::int64_t min, std::int64_t max) const {
    if (!has(key)) return {fallback, fallback};
    const json& v = object_.at(key);
    if (v.is_array()) {
      if (v.size() != 2) fail("field '" + std::string(key) + "' must be an integer or [h, w]");
      return {checked_integer(v[0], key, min, max), checked_integer(v[1], key, min, max)};
    }
    const auto n = checked_integer(v, key, min, max);
    return {n, n};
  }

  double number_or(const char* key, double fallback, double min, double max,
                   bool min_inclusive = true) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_number()) fail("field '" + std::string(key) + "' must be a number");
    const double x = v.get<double>();
    if (x > max || x < min || (!min_inclusive && x == min))
      fail("field '" + std::string(key) + "' is " + v.dump() + ", expected a value in " +
           (min_inclusive ? "[" : "(") + json(min).dump() + ", " + json(max).dump() + "]");
    return x;
  }

  bool boolean_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_boolean()) fail("field '" + std::string(key) + "' must be true or false");
    return v.get<bool>();
  }

  const json& require(const char* key) const {
    if (!has(key)) fail("missing field '" + std::string(key) + "'");
    return object_.at(key);
  }

 private:
  std::int64_t checked_integer(const json& v, const char* key, std::int64_t min,
                               std::int64_t max) const {
    if (!v.is_number_integer())
      fail("field '" + std::string(key) + "' must be an integer, got " + v.dump());
    // Unsigned values above int64 range arrive as unsigned; compare before converting.
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
      fail("field '" + std::string(key) + "' is " + v.dump() + ", expected at most " +
           std::to_string(max));
    const auto n = v.get<std::int64_t>();
    if (n < min)
      fail("field '" + std::string(key) + "' is " + std::to_string(n) + ", expected at least " +
           std::to_string(min));
    if (n > max)
      fail("field '" + std::string(key) + "' is " + std::to_string(n) + ", expected at most " +
           std::to_string(max));
    return n;
  }

  const json& object_;
  std::string context_;
};

LayerType parse_layer_type(const std::string& text, const FieldReader& reader) {
  for (const auto& entry : kLayerTypes)
    if (entry.name == text) return entry.type;
  std::vector<std::string_view> names;
  for (const auto& entry : kLayerTypes) names.push_back(entry.name);
  reader.fail("unknown layer type '" + text + "'; valid types: " + join(names));
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

WeightInit parse_init(const json& v, const FieldReader& layer) {
  if (!v.is_object()) layer.fail("field 'init' must be an object such as {\"type\": \"kaiming\"}");
  if (!v.contains("type") || !v.at("type").is_string())
    layer.fail("field 'init' needs \"type\": \"gaussian\" or \"kaiming\"");
  const auto type = v.at("type").get<std::string>();
  WeightInit init;
  if (type == "kaiming") {
    for (const auto& [key, value] : v.items())
      if (key != "type") layer.fail("init: unknown field '" + key + "'; valid fields: type");
    init.kind = InitKind::kaiming;
  } else if (type == "gaussian") {
    for (const auto& [key, value] : v.items())
      if (key != "type" && key != "std")
        layer.fail("init: unknown field '" + key + "'; valid fields: type, std");
    if (!v.contains("std") || !v.at("std").is_number() || v.at("std").get<double>() <= 0)
      layer.fail("init: gaussian needs a positive \"std\"");
    init.kind = InitKind::gaussian;
    init.std = v.at("std").get<double>();
  } else {
    layer.fail("init: unknown type '" + type + "'; valid types: gaussian, kaiming");
  }
  return init;
}

// kernel (required), stride (1) and pad (0) of a convolution or pooling layer.
Window2d read_window(const FieldReader& reader) {
  reader.require("kernel");
  Window2d w;
  std::tie(w.kernel_h, w.kernel_w) = reader.pair_or("kernel", 1, 1, kMaxExtent);
  std::tie(w.stride_h, w.stride_w) = reader.pair_or("stride", 1, 1, kMaxExtent);
  std::tie(w.pad_h, w.pad_w) = reader.pair_or("pad", 0, 0, kMaxExtent);
  return w;
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
  layer.type = parse_layer_type(reader.string("type"), reader);
  reader.reject_unknown(allowed_fields(layer.type));

  switch (layer.type) {
    case LayerType::convolution: {
      layer.outputs = reader.integer("outputs", 1, kMaxChannels);
      layer.window = read_window(reader);
      layer.bias = reader.boolean_or("bias", true);
      if (reader.has("init")) layer.init = parse_init(v.at("init"), reader);
      layer.lr_mult = reader.number_or("lr_mult", 1.0, 0.0, 1e6);
      layer.bias_lr_mult = reader.number_or("bias_lr_mult", 1.0, 0.0, 1e6);
      break;
    }
    case LayerType::max_pool:
    case LayerType::avg_pool: {
      layer.window = read_window(reader);
      layer.ceil_mode = reader.boolean_or("ceil_mode", true);
      if (layer.window.pad_h >= layer.window.kernel_h ||
          layer.window.pad_w >= layer.window.kernel_w)
        reader.fail("pad " + dims(layer.window.pad_h, layer.window.pad_w) +
                    " must be smaller than the kernel " +
                    dims(layer.window.kernel_h, layer.window.kernel_w));
      break;
    }
    case LayerType::dropout:
      layer.dropout_ratio = reader.number_or("ratio", 0.5, 0.0, 0.99);
      break;
    case LayerType::batch_norm:
      layer.bn_momentum = reader.number_or("momentum", 0.1, 0.0, 1.0, false);
      layer.bn_eps = reader.number_or("eps", 1e-5, 0.0, 1.0, false);
      layer.lr_mult = reader.number_or("lr_mult", 1.0, 0.0, 1e6);
      layer.bias_lr_mult = reader.number_or("bias_lr_mult", 1.0, 0.0, 1e6);
      break;
    case LayerType::relu:
    case LayerType::global_avg_pool:
      break;
  }
  return layer;
}

// Converts nlohmann's byte offset into the line and column an editor shows.
std::string position_text(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not the continuation bytes of UTF-8 sequences
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string parse_error_reason(const std::string& what) {
  // nlohmann messages read "[json.exception.parse_error.101] parse error at line 1, column 2:
  // syntax error while parsing value - invalid literal; last read: 'x'"; keep the part after the
  // position, which says what is wrong.
  const auto colon = what.find(": ", what.find("parse error"));
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

std::string_view to_string(LayerType type) {
  for (const auto& entry : kLayerTypes)
    if (entry.type == type) return entry.name;
  return "unknown";
}

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
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    throw SpecError(quoted + ": malformed JSON at " + position_text(json_text, e.byte) + ": " +
                    parse_error_reason(e.what()));
  } catch (const json::out_of_range& e) {
    // A number beyond a double ("1e999") is no syntax error to nlohmann, but is malformed here.
    const std::string what = e.what();
    const auto end = what.find("] ");
    throw SpecError(
        quoted + ": malformed JSON: " + (end == std::string::npos ? what : what.substr(end + 2)));
  }
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
  spec.input.channels = input_reader.integer("channels", 1, kMaxChannels);
  spec.input.height = input_reader.integer("height", 1, kMaxExtent);
  spec.input.width = input_reader.integer("width", 1, kMaxExtent);
  spec.classes = reader.integer("classes", 1, kMaxChannels);

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
  if (spec.input.elements() > kMaxElements)
    throw SpecError(quoted + ": input " + shape_text(spec.input) +
                    " has more than 2^31 elements per image");
  Shape shape = spec.input;
  const LayerSpec* last_convolution = nullptr;
  for (auto& layer : spec.layers) {
    const auto fail = [&](const std::string& what) {
      throw SpecError(quoted + ": layer '" + layer.name + "' (" +
                      std::string(to_string(layer.type)) + "): " + what);
    };
    layer.input = shape;
    const Window2d& w = layer.window;
    switch (layer.type) {
      case LayerType::convolution:
      case LayerType::max_pool:
      case LayerType::avg_pool: {
        if (w.kernel_h <= 0 || w.kernel_w <= 0) fail("kernel must be positive");
        if (w.stride_h <= 0 || w.stride_w <= 0) fail("stride must be at least 1");
        if (w.pad_h < 0 || w.pad_w < 0) fail("pad must not be negative");
        const auto padded_h = shape.height + 2 * w.pad_h;
        const auto padded_w = shape.width + 2 * w.pad_w;
        if (w.kernel_h > padded_h || w.kernel_w > padded_w)
          fail("kernel " + dims(w.kernel_h, w.kernel_w) + " is larger than its padded input " +
               dims(padded_h, padded_w) + " (input " + shape_text(shape) + ")");
        if (layer.type == LayerType::convolution) {
          if (layer.outputs <= 0) fail("outputs must be positive");
          // fan_in is at most 2^52 here; compare by division so the weight count cannot overflow.
          const auto fan_in = w.kernel_h * w.kernel_w * shape.channels;
          if (fan_in > kMaxElements / layer.outputs)
            fail("(" + dims(w.kernel_h, w.kernel_w) + "x" + std::to_string(shape.channels) + ")x" +
                 std::to_string(layer.outputs) + " weights are more than 2^31");
          shape = {layer.outputs,
                   convolution_output_size(shape.height, w.kernel_h, w.stride_h, w.pad_h),
                   convolution_output_size(shape.width, w.kernel_w, w.stride_w, w.pad_w)};
          last_convolution = &layer;
        } else {
          shape = pooled_shape(shape, w, layer.ceil_mode);
        }
        break;
      }
      case LayerType::global_avg_pool:
        if (!last_convolution) fail("needs a convolution before it");
        if (shape.channels != spec.classes)
          throw SpecError(quoted + ": layer '" + last_convolution->name + "' gives " +
                          std::to_string(shape.channels) + " channels before global pooling '" +
                          layer.name + "', but the network has " + std::to_string(spec.classes) +
                          " classes");
        shape.height = 1;
        shape.width = 1;
        break;
      case LayerType::relu:
      case LayerType::dropout:
      case LayerType::batch_norm:
        break;
    }
    if (shape.height <= 0 || shape.width <= 0 || shape.channels <= 0)
      fail("output size " + shape_text(shape) + " is not positive");
    if (shape.elements() > kMaxElements)
      fail("output " + shape_text(shape) + " has more than 2^31 elements per image");
    layer.output = shape;
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
  const auto last = std::find_if(spec.layers.rbegin(), spec.layers.rend(), [](const LayerSpec& l) {
    return l.type == LayerType::convolution;
  });
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
  const auto pair = [](std::int64_t a, std::int64_t b) { return a == b ? json(a) : json{a, b}; };
  for (const auto& l : spec.layers) {
    json j;
    j["name"] = l.name;
    j["type"] = std::string(to_string(l.type));
    switch (l.type) {
      case LayerType::convolution:
        j["outputs"] = l.outputs;
        [[fallthrough]];
      case LayerType::max_pool:
      case LayerType::avg_pool:
        j["kernel"] = pair(l.window.kernel_h, l.window.kernel_w);
        j["stride"] = pair(l.window.stride_h, l.window.stride_w);
        j["pad"] = pair(l.window.pad_h, l.window.pad_w);
        if (l.type == LayerType::convolution) {
          j["bias"] = l.bias;
          j["init"] = l.init.kind == InitKind::gaussian
                          ? json{{"type", "gaussian"}, {"std", l.init.std}}
                          : json{{"type", "kaiming"}};
          if (l.lr_mult != 1.0) j["lr_mult"] = l.lr_mult;
          if (l.bias_lr_mult != 1.0) j["bias_lr_mult"] = l.bias_lr_mult;
        } else if (!l.ceil_mode) {
          j["ceil_mode"] = false;  // only when false: specs in ceil mode read as they always did
        }
        break;
      case LayerType::dropout:
        j["ratio"] = l.dropout_ratio;
        break;
      case LayerType::batch_norm:
        j["momentum"] = l.bn_momentum;
        j["eps"] = l.bn_eps;
        if (l.lr_mult != 1.0) j["lr_mult"] = l.lr_mult;
        if (l.bias_lr_mult != 1.0) j["bias_lr_mult"] = l.bias_lr_mult;
        break;
      case LayerType::relu:
      case LayerType::global_avg_pool:
        break;
    }
    layers.push_back(std::move(j));
  }
  doc["layers"] = std::move(layers);
  return doc.dump(2) + "\n";
}

}  // namespace nin
