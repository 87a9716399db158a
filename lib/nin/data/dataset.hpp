#pragma once
// Labelled image data sets in memory, read from IDX (MNIST, Fashion-MNIST; gzip or raw),
// CIFAR-10 and CIFAR-100 binary files, an HDF5 file, or a folder of PNG and JPEG images in class
// folders (image_folder.hpp). One interface; the format is chosen from the path. Readers check
// every size against the file before allocating, so a corrupt header cannot ask for a huge buffer,
// and report problems with the file and record named.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "nin/spec/network_spec.hpp"

namespace nin {

// Where Debian's dataset-fashion-mnist package puts Fashion-MNIST: the tools' default data set.
inline constexpr const char* kDefaultDataPath = "/usr/share/datasets/fashion-mnist";

enum class Split { train, test };
enum class LabelKind { fine, coarse };  // CIFAR-100 only

struct DataOptions {
  Split split = Split::train;
  LabelKind labels = LabelKind::fine;
  std::int64_t limit = 0;  // read at most this many images (0: all)

  // Image folders only (see image_folder.hpp). Their images have any size, so the caller names
  // the one the network takes: 1 (gray) or 3 (RGB) channels, height, width. Required for them.
  // (Members without a default of their own get "= {}", so that brace-initialising only the
  // fields above stays free of -Wmissing-field-initializers.)
  Shape image_shape = {};
  bool center_crop = false;      // crop each image to image_shape's aspect ratio before resizing
  bool skip_bad_images = false;  // drop files that cannot be decoded instead of failing
  // Called on the calling thread as images are decoded, with done rising to total.
  std::function<void(std::int64_t done, std::int64_t total)> progress = {};
  // Called on the calling thread with one line per skipped file, in sample order.
  std::function<void(const std::string& line)> warning = {};
};

class Dataset {
 public:
  Shape shape;                           // of one image, channels first
  std::int64_t classes = 0;              // number of classes the format defines
  std::vector<std::string> class_names;  // one per class (generated "0", "1", ... when unknown)
  std::string format;                    // "idx", "cifar10", "cifar100", "hdf5", "images"
  std::string source;                    // path(s) read, for messages and provenance
  std::int64_t skipped = 0;              // image files dropped (DataOptions::skip_bad_images)

  std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }

  // Copies the images at `indices` into `out` as float32, image after image, each C×H×W,
  // with raw pixel values (0..255 for byte data).
  void copy_images(std::span<const std::int64_t> indices, float* out) const;

  // Pixels: exactly one of these holds size()·shape.elements() values, image after image (CHW).
  std::vector<std::uint8_t> bytes;
  std::vector<float> floats;
  std::vector<std::int32_t> labels;  // each in [0, classes)
};

// Reads one split. `path` is a directory holding IDX files (train-images-idx3-ubyte[.gz], ...),
// CIFAR-10 files (data_batch_1.bin ... data_batch_5.bin, test_batch.bin, batches.meta.txt) or
// CIFAR-100 files (train.bin, test.bin, fine_label_names.txt, coarse_label_names.txt), a folder
// of images in class folders (image_folder.hpp), or an HDF5 file (*.h5, *.hdf5). Throws
// IoError / FormatError naming the file (and record) at fault, UsageError for an image folder
// without options.image_shape.
Dataset load_dataset(const std::filesystem::path& path, const DataOptions& options);

// Whether load_dataset reads `path` as an image folder: a directory that holds no IDX or CIFAR
// files but class folders (or train/ and test/ folders). Only then does it need
// DataOptions::image_shape.
bool is_image_dataset(const std::filesystem::path& path);

// The files load_dataset may read for `path`: the path itself unless it is a directory, else the
// files in it whose names the directory formats use (IDX "*-ubyte[.gz]", CIFAR "*.bin", their
// lists of class names) or, for an image folder, every image of both splits, so that a run can
// refuse to write over one of them.
std::vector<std::filesystem::path> dataset_files(const std::filesystem::path& path);

}  // namespace nin
