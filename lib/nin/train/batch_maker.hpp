#pragma once
// Turns data-set images into network input: per-channel normalisation and, for training,
// augmentation (random translation by cropping a zero-padded image, random horizontal flip,
// random erasing of a rectangle).
// The random choices for an image depend only on (seed, epoch, image index).

#include <cstdint>
#include <span>

#include "nin/data/dataset.hpp"
#include "nin/io/model_file.hpp"

namespace nin {

struct Augmentation {
  std::int64_t crop_pad = 0;  // translate by up to ±crop_pad pixels (0: off)
  bool flip = false;          // mirror left-right with probability ½
  // With this probability, set a random rectangle of 2–40% of the image, aspect ratio 0.3–3.3,
  // to the data set's mean (zero after normalisation): random erasing (Zhong et al. 2020).
  double erase = 0.0;
  bool enabled() const { return crop_pad > 0 || flip || erase > 0.0; }
};

// Mean and standard deviation of each channel over the images at `indices` (sums in double, in
// index order, so the result is reproducible).
Normalization compute_normalization(const Dataset& data, std::span<const std::int64_t> indices);

class BatchMaker {
 public:
  BatchMaker(const Dataset& data, const Normalization& normalization);

  // Writes the images at `indices` into `out` (n × C×H×W floats), normalised, and augmented when
  // `augmentation` is given.
  void make(std::span<const std::int64_t> indices, float* out,
            const Augmentation* augmentation = nullptr, std::uint64_t seed = 0,
            std::uint64_t epoch = 0) const;

 private:
  const Dataset& data_;
  std::vector<float> scale_, offset_;  // x·scale + offset == (x − mean) / std
};

}  // namespace nin
