#pragma once
// The one door to BLAS: a row-major single-precision GEMM over OpenBLAS's CBLAS, loaded at run
// time so that its kernels can be chosen for the CPU (see gemm.cpp).
// BLAS runs single-threaded: parallelism comes from TBB tasks that each call gemm on their own
// block, so TBB alone owns the cores and results do not depend on the thread count.

#include <cstdint>
#include <string>

namespace nin {

enum class Transpose { no, yes };

// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major with leading dimensions
// lda, ldb, ldc (elements between consecutive rows of the stored matrix).
void gemm(Transpose trans_a, Transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
          float beta, float* c, std::int64_t ldc);

// The OpenBLAS kernel set in use (e.g. "SkylakeX"), for benchmark reports.
std::string blas_core_name();

// How the OpenBLAS in use was built, as openblas_get_config() says: "OpenBLAS 0.3.21 DYNAMIC_ARCH
// NO_AFFINITY SkylakeX MAX_THREADS=64" (its version, options and the kernels it runs). Loads
// OpenBLAS like gemm; throws Error when it cannot be loaded.
std::string blas_config();

}  // namespace nin
