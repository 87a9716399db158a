#pragma once
// nin-eval --class-maps DIR: for each of the first images of a split, one PNG in DIR with the
// model's class maps (the input of its global average pooling) drawn as a grid
// (nin/viz/class_map_grid.hpp), and one line per file on stdout.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "common/cli.hpp"
#include "nin/data/dataset.hpp"
#include "nin/io/input_preprocessing.hpp"

namespace nin::eval_tool {

// The most images --class-maps draws in one run (--limit): each is a PNG file of its own.
inline constexpr std::int64_t kMaxClassMapImages = 1000;

struct ClassMapOptions {
  std::string directory;  // created when missing
  std::string model;
  std::string data;
  DataOptions data_options;  // limit: the number of images, 1..kMaxClassMapImages
  std::optional<InputPreprocessing> preprocessing;
  std::string class_names_file;
  cli::Format format = cli::Format::md;
  std::int64_t batch = 256;
};

// Throws UsageError "--class-maps: 'DIR' is ..., expected a directory" when DIR exists and is not
// a directory (checked before anything is read).
void check_class_map_directory(const std::string& directory);

// Writes the pictures "NNNNN-<true class>.png" (the image's index, 5 digits; the class name with
// anything but letters, digits, '.', '_' and '-' as '_'), each replaced atomically, and prints
// one row per file: file, true label and class, predicted label and class. Throws like the
// library (a model without global average pooling: Error naming the model).
void write_class_maps(std::string_view tool, const ClassMapOptions& options, std::ostream& out);

}  // namespace nin::eval_tool
