#pragma once
// An owning float32 buffer with 64-byte alignment, and the non-owning views kernels take.
//
// Activations of a batch use the layout [channels][batch][height][width] ("CNHW"): every channel
// is one contiguous row of batch·height·width values. A 1×1 convolution over a whole group of
// images is then a single GEMM (weights × activations) with no copying, batch normalisation reads
// each channel contiguously, and each (channel, image) plane stays contiguous for pooling.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace nin {

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled; throws std::bad_alloc when the memory is not there.
  explicit Tensor(std::vector<std::int64_t> dims);

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::int64_t size() const { return size_; }
  const std::vector<std::int64_t>& dims() const { return dims_; }
  bool empty() const { return size_ == 0; }
  void fill(float value);

 private:
  struct AlignedFree {
    AlignedFree() : unforked_bytes(0) {}
    explicit AlignedFree(std::size_t bytes) : unforked_bytes(bytes) {}
    std::size_t unforked_bytes;  // non-zero: the block's pages are left out of forks (tensor.cpp)
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], AlignedFree> data_;
  std::vector<std::int64_t> dims_;
  std::int64_t size_ = 0;
};

// A batch of activations in CNHW layout.
template <typename T>
struct BasicActivations {
  T* data = nullptr;
  std::int64_t channels = 0;
  std::int64_t batch = 0;
  std::int64_t height = 0;
  std::int64_t width = 0;

  std::int64_t plane() const { return height * width; }
  std::int64_t row() const { return batch * plane(); }  // elements per channel
  std::int64_t size() const { return channels * row(); }
  T* channel(std::int64_t c) const { return data + c * row(); }
  T* plane_of(std::int64_t c, std::int64_t n) const { return data + c * row() + n * plane(); }

  operator BasicActivations<const T>() const { return {data, channels, batch, height, width}; }
};

using Activations = BasicActivations<float>;
using ConstActivations = BasicActivations<const float>;

}  // namespace nin
