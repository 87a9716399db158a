#include "nin/core/gemm.hpp"

#include <cblas.h>


namespace nin {
namespace {
// OpenBLAS would otherwise start its own thread pool and fight TBB for the cores.
const bool kSingleThreadedBlas = [] {
  openblas_set_num_threads(1);
  return true;
}();
}  // namespace

void gemm(Transpose trans_a, Transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
          float beta, float* c, std::int64_t ldc) {
  (void)kSingleThreadedBlas;
  cblas_sgemm(CblasRowMajor, trans_a == Transpose::yes ? CblasTrans : CblasNoTrans,
              trans_b == Transpose::yes ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

}  // namespace nin
