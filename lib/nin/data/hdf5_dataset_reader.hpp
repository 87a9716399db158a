#pragma once
// Internal to lib/nin/data: labelled images in an HDF5 file. Layout: groups /train and /test, each
// with data sets `images` and `labels`, or root-level `images` and `labels` used for both splits.
// images: uint8 or float32, [N,C,H,W] or [N,H,W,C] (attribute `layout` "NCHW"/"NHWC", else
// guessed from a channel count of 1 or 3); labels: any integer type, [N], each ≥ 0. Optional root
// attribute `class_names` (strings); without it classes = largest label in the file + 1.

#include <filesystem>

#include "nin/data/dataset.hpp"

namespace nin::data_internal {

Dataset read_hdf5_dataset(const std::filesystem::path& file, const DataOptions& options);

}  // namespace nin::data_internal
