#include "common/preprocessing_options.hpp"

#include "common/model_loading.hpp"
#include "nin/core/error.hpp"

namespace nin::cli {

void PreprocessingOptions::add_to(OptionTable& options) {
  options.add({.name = "scale",
               .kind = ValueKind::text,
               .value_name = "X",
               .help = "ONNX input: multiply pixels (0..255) by this first, e.g. 1/255"},
              &scale);
  options.add({.name = "mean",
               .kind = ValueKind::text,
               .value_name = "M,...",
               .help = "ONNX input: subtract per channel after --scale, e.g. 0.485,0.456,0.406"},
              &mean);
  options.add({.name = "std",
               .kind = ValueKind::text,
               .value_name = "S,...",
               .help = "ONNX input: divide per channel after --mean, e.g. 0.229,0.224,0.225"},
              &std);
}

std::optional<InputPreprocessing> PreprocessingOptions::parse() const {
  if (scale.empty() && mean.empty() && std.empty()) return std::nullopt;
  InputPreprocessing p;
  // mean and std are in torchvision's [0, 1] convention, so on their own they imply 1/255.
  p.scale = !scale.empty() ? parse_scale("--scale", scale) : 1.0 / 255.0;
  if (!mean.empty()) p.mean = parse_channel_values("--mean", mean);
  if (!std.empty()) p.std = parse_channel_values("--std", std);
  for (const double s : p.std)
    if (!(s > 0)) throw UsageError("--std: '" + std + "' must hold positive numbers only");
  return p;
}

void apply_preprocessing(const std::optional<InputPreprocessing>& preprocessing,
                         const std::filesystem::path& path, std::int64_t channels,
                         Normalization& normalization) {
  if (!preprocessing) return;
  if (model_format_of(path) != ModelFormat::onnx)
    throw UsageError("--scale, --mean and --std describe what an ONNX model expects; '" +
                     path.string() +
                     "' is not one (a nin model stores the normalisation it was trained with)");
  normalization = compose_preprocessing(*preprocessing, normalization, channels);
}

}  // namespace nin::cli
