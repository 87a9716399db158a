#pragma once
// Checks of the values a model holds, shared by every path that loads one (nin's HDF5 files and
// ONNX imports): a NaN or infinite weight, a negative running variance or a zero standard
// deviation would otherwise turn every prediction into NaN without a word.

#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"

namespace nin {

// Throws FormatError when a mean is not finite or a standard deviation is not a positive finite
// number, e.g. "/normalization/std holds 0 at index 2, expected a positive finite number". The
// caller adds the file's name.
void check_normalization(const Normalization& normalization);

// check_normalization, then every parameter and running statistic of `network`: throws
// FormatError naming the layer, the tensor and the index of the first NaN or infinity, or of a
// negative running variance, e.g. "layer 'conv1': weight holds a non-finite value (NaN) at index
// 17". The caller adds the file's name.
void check_finite_parameters(Network& network, const Normalization& normalization);

}  // namespace nin
