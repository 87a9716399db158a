#include "nin/core/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nin {

void Tensor::AlignedFree::operator()(float* p) const {
  std::free(p);
}

Tensor::Tensor(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {
  std::int64_t size = 1;
  for (const auto d : dims_) {
    if (d < 0) throw std::bad_alloc();
    size *= d;
  }
  size_ = size;
  if (size_ == 0) return;
  constexpr std::size_t kAlignment = 64;
  const std::size_t bytes =
      (static_cast<std::size_t>(size_) * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
}

void Tensor::fill(float value) {
  std::fill(data(), data() + size_, value);
}

}  // namespace nin
