#pragma once
// Internal to lib/nin/data: IDX files (MNIST, Fashion-MNIST), gzip-compressed or plain.

#include <filesystem>

#include "nin/data/dataset.hpp"

namespace nin::data_internal {

// Whether `dir` holds train-images-idx3-ubyte or t10k-images-idx3-ubyte (with or without .gz).
bool is_idx_directory(const std::filesystem::path& dir);

// Reads <split>-images-idx3-ubyte[.gz] and <split>-labels-idx1-ubyte[.gz] (split "train" or
// "t10k"). Class names come from class_names.txt in `dir` when present, else Fashion-MNIST's when
// the path mentions "fashion", else "0" ... "9".
Dataset read_idx(const std::filesystem::path& dir, const DataOptions& options);

}  // namespace nin::data_internal
