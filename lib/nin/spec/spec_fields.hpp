#pragma once
// Reading and writing the fields of one JSON object of a network spec (a layer, the input), with
// every problem reported as a SpecError that names the object. Layer kinds (nin/layers/kinds/)
// read their own fields through it.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

std::string join_words(const std::vector<std::string_view>& words);

// Reads fields of one JSON object and reports problems with a common prefix.
class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, std::string context)
      : object_(object), context_(std::move(context)) {}

  [[noreturn]] void fail(const std::string& what) const { throw SpecError(context_ + ": " + what); }

  void reject_unknown(const std::vector<std::string_view>& allowed) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail("unknown field '" + key + "'; valid fields: " + join_words(allowed));
    }
  }

  bool has(const char* key) const { return object_.contains(key); }

  std::string string(const char* key) const {
    const nlohmann::json& v = require(key);
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
    const nlohmann::json& v = object_.at(key);
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
    const nlohmann::json& v = object_.at(key);
    if (!v.is_number()) fail("field '" + std::string(key) + "' must be a number");
    const double x = v.get<double>();
    if (x > max || x < min || (!min_inclusive && x == min))
      fail("field '" + std::string(key) + "' is " + v.dump() + ", expected a value in " +
           (min_inclusive ? "[" : "(") + nlohmann::json(min).dump() + ", " +
           nlohmann::json(max).dump() + "]");
    return x;
  }

  bool boolean_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const nlohmann::json& v = object_.at(key);
    if (!v.is_boolean()) fail("field '" + std::string(key) + "' must be true or false");
    return v.get<bool>();
  }

  const nlohmann::json& require(const char* key) const {
    if (!has(key)) fail("missing field '" + std::string(key) + "'");
    return object_.at(key);
  }

 private:
  std::int64_t checked_integer(const nlohmann::json& v, const char* key, std::int64_t min,
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

  const nlohmann::json& object_;
  std::string context_;
};

// kernel (required), stride (1) and pad (0) of a convolution or pooling layer.
Window2d read_window(const FieldReader& reader);

// A weight initialiser: {"type": "kaiming"} or {"type": "gaussian", "std": S}.
WeightInit read_init(const nlohmann::json& value, const FieldReader& layer);
nlohmann::json init_json(const WeightInit& init);

// The fields of a layer with weights besides its shape: "outputs" (required), "bias" (true),
// "init", "lr_mult" and "bias_lr_mult" (1), read and written back.
void read_weighted_layer(const FieldReader& fields, LayerSpec& layer);
void write_weighted_layer(const LayerSpec& layer, nlohmann::json& object);

// An integer when both are equal, else [a, b] (kernels, strides and pads).
nlohmann::json pair_json(std::int64_t a, std::int64_t b);

}  // namespace nin
