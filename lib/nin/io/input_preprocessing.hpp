#pragma once
// Input preprocessing that a model's graph does not contain but its training assumed, as PyTorch
// users write it: x = (pixel · scale − mean) / std per channel, with mean and std in the scaled
// units (torchvision's [0, 1] convention with scale 1/255). nin stores a model's normalisation in
// raw pixel units, (pixel − mean) / std, so declared preprocessing is folded into that form.

#include <cstdint>
#include <string>
#include <vector>

#include "nin/io/model_file.hpp"

namespace nin {

struct InputPreprocessing {
  double scale = 1.0;
  std::vector<double> mean;  // one value, or one per channel; empty: 0
  std::vector<double> std;   // one value, or one per channel; empty: 1
};

// The normalisation of a model whose graph expects `before` applied to raw pixels and then its
// own `model` normalisation (empty: none): both per-channel affine maps composed into one.
// Throws UsageError when a list has neither one value nor `channels` values, or a value is not
// finite, or scale or a std is not positive.
Normalization compose_preprocessing(const InputPreprocessing& before, const Normalization& model,
                                    std::int64_t channels);

// "1/255" or a decimal number ("0.00392156862745098"); throws UsageError naming `option`.
double parse_scale(const std::string& option, const std::string& text);

// "0.485,0.456,0.406"; throws UsageError naming `option`.
std::vector<double> parse_channel_values(const std::string& option, const std::string& text);

}  // namespace nin
