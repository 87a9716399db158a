#include "nin/core/tensor.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nin {

namespace {
// The whole pages of buffers from this size on are left out of forked children (MADV_DONTFORK):
// the sandboxed readers of untrusted files are forked (nin/isolation/sandbox.hpp) and never touch
// them, and a fork would otherwise turn every later write to them into a copy-on-write fault here.
constexpr std::size_t kUnforkedBytes = std::size_t{1} << 20;

void advise_pages(void* block, std::size_t bytes, int advice) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(block) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(block) + bytes) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}
}  // namespace

void Tensor::AlignedFree::operator()(float* p) const {
  // Back to the allocator, which may hand the pages to data a forked child does need.
  if (unforked_bytes) advise_pages(p, unforked_bytes, MADV_DOFORK);
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
  const bool unforked = bytes >= kUnforkedBytes;
  if (unforked) advise_pages(p, bytes, MADV_DONTFORK);
  data_ = std::unique_ptr<float[], AlignedFree>(static_cast<float*>(p),
                                                AlignedFree(unforked ? bytes : 0));
}

void Tensor::fill(float value) {
  std::fill(data(), data() + size_, value);
}

}  // namespace nin
