#include "nin/io/input_preprocessing.hpp"

#include <cmath>
#include <cstdlib>

#include "nin/core/error.hpp"

namespace nin {
namespace {

// A whole decimal number, nothing after it.
bool parse_number(const std::string& text, double& value) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

std::vector<double> per_channel(const std::string& what, const std::vector<double>& values,
                                double fallback, std::int64_t channels) {
  if (values.empty()) return std::vector<double>(static_cast<std::size_t>(channels), fallback);
  if (values.size() == 1)
    return std::vector<double>(static_cast<std::size_t>(channels), values.front());
  if (static_cast<std::int64_t>(values.size()) != channels)
    throw UsageError(what + ": " + std::to_string(values.size()) + " values for a model of " +
                     std::to_string(channels) + " input channel" + (channels == 1 ? "" : "s") +
                     ": give one value or one per channel");
  return values;
}

}  // namespace

double parse_scale(const std::string& option, const std::string& text) {
  const auto slash = text.find('/');
  double value = 0;
  bool ok = false;
  if (slash == std::string::npos) {
    ok = parse_number(text, value);
  } else {
    double numerator = 0, denominator = 0;
    ok = parse_number(text.substr(0, slash), numerator) &&
         parse_number(text.substr(slash + 1), denominator) && denominator != 0;
    value = numerator / denominator;
  }
  if (!ok || !(value > 0) || !std::isfinite(value))
    throw UsageError(option + ": '" + text +
                     "' must be a positive number or fraction, such as 1/255 or 0.5");
  return value;
}

std::vector<double> parse_channel_values(const std::string& option, const std::string& text) {
  std::vector<double> values;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    double value = 0;
    if (!parse_number(part, value))
      throw UsageError(option + ": '" + text +
                       "' must be finite numbers separated by commas, one per channel");
    values.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

Normalization compose_preprocessing(const InputPreprocessing& before, const Normalization& model,
                                    std::int64_t channels) {
  if (!(before.scale > 0) || !std::isfinite(before.scale))
    throw UsageError("--scale must be a positive finite number");
  const auto mean = per_channel("--mean", before.mean, 0.0, channels);
  const auto std = per_channel("--std", before.std, 1.0, channels);
  for (std::size_t c = 0; c < std.size(); ++c)
    if (!(std[c] > 0) || !std::isfinite(std[c]) || !std::isfinite(mean[c]))
      throw UsageError("--std: every value must be positive and finite");
  // (p·s − m)/d = (p − m/s) / (d/s); a graph normalisation (y − M)/D after it gives
  // (p − (m + M·d)/s) / (d·D/s).
  if ((!model.mean.empty() && static_cast<std::int64_t>(model.mean.size()) != channels) ||
      (!model.std.empty() && static_cast<std::int64_t>(model.std.size()) != channels))
    throw FormatError("the model's normalisation does not have one value per input channel");
  Normalization n;
  for (std::int64_t c = 0; c < channels; ++c) {
    const auto i = static_cast<std::size_t>(c);
    const double graph_mean = model.mean.empty() ? 0.0 : model.mean.at(i);
    const double graph_std = model.std.empty() ? 1.0 : model.std.at(i);
    n.mean.push_back(static_cast<float>((mean[i] + graph_mean * std[i]) / before.scale));
    n.std.push_back(static_cast<float>(std[i] * graph_std / before.scale));
  }
  return n;
}

}  // namespace nin
