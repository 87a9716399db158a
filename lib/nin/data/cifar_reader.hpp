#pragma once
// Internal to lib/nin/data: CIFAR-10 and CIFAR-100 binary files (records of label bytes and
// 3,072 pixel bytes, already channel-planar: 1,024 R, 1,024 G, 1,024 B, rows of 32).

#include <filesystem>

#include "nin/data/dataset.hpp"

namespace nin::data_internal {

// Whether `dir` holds data_batch_1.bin or test_batch.bin.
bool is_cifar10_directory(const std::filesystem::path& dir);
// Whether `dir` holds train.bin or test.bin.
bool is_cifar100_directory(const std::filesystem::path& dir);

// Train: data_batch_1.bin ... data_batch_5.bin, in order; test: test_batch.bin. Class names from
// batches.meta.txt (10 names) when present, else the standard CIFAR-10 names.
Dataset read_cifar10(const std::filesystem::path& dir, const DataOptions& options);

// train.bin or test.bin; fine labels (100 classes, fine_label_names.txt) or coarse labels
// (20 classes, coarse_label_names.txt) by options.labels; names "0", "1", ... without the file.
Dataset read_cifar100(const std::filesystem::path& dir, const DataOptions& options);

}  // namespace nin::data_internal
