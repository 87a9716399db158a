#include "nin/core/gemm.hpp"

#include <cblas.h>
#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "nin/core/error.hpp"

namespace nin {
namespace {

// OpenBLAS is loaded at run time rather than linked, because it picks its kernels once, when it
// is loaded, from $OPENBLAS_CORETYPE or its own CPU detection, and the detection of the Debian 12
// build (0.3.21) does not know recent Intel processors: it falls back to its SSE3 "Prescott"
// kernels, a quarter of the speed the AVX-512 ones reach. Loading it ourselves lets us name the
// right kernels first. A core type already set in the environment is always respected.
void choose_core_type() {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  __builtin_cpu_init();
  if (!__builtin_cpu_is("intel")) return;  // AMD and others: OpenBLAS's own detection
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    setenv("OPENBLAS_CORETYPE", "Haswell", 0);
}

struct OpenBlas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  char* (*core_name)() = nullptr;
  char* (*config)() = nullptr;  // null when this OpenBLAS has no openblas_get_config
};

template <typename Function>
Function symbol(void* library, const char* name) {
  void* address = dlsym(library, name);
  if (!address) throw Error(std::string("OpenBLAS: symbol ") + name + " not found");
  return reinterpret_cast<Function>(address);
}

OpenBlas load_openblas() {
  choose_core_type();
  void* library = nullptr;
  for (const char* name : {"libopenblas.so.0", NIN_OPENBLAS_LIBRARY}) {
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library) break;
  }
  if (!library)
    throw Error(std::string("cannot load OpenBLAS (libopenblas.so.0): ") + dlerror() +
                "; install libopenblas0");
  OpenBlas blas;
  blas.sgemm = symbol<decltype(&cblas_sgemm)>(library, "cblas_sgemm");
  blas.core_name = symbol<char* (*)()>(library, "openblas_get_corename");
  blas.config = reinterpret_cast<char* (*)()>(dlsym(library, "openblas_get_config"));
  // OpenBLAS would otherwise start its own thread pool and fight TBB for the cores.
  symbol<void (*)(int)>(library, "openblas_set_num_threads")(1);
  return blas;
}

const OpenBlas& openblas() {
  static const OpenBlas blas = load_openblas();
  return blas;
}

}  // namespace

void gemm(Transpose trans_a, Transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
          float beta, float* c, std::int64_t ldc) {
  openblas().sgemm(CblasRowMajor, trans_a == Transpose::yes ? CblasTrans : CblasNoTrans,
                   trans_b == Transpose::yes ? CblasTrans : CblasNoTrans, static_cast<int>(m),
                   static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
                   static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

std::string blas_core_name() {
  return openblas().core_name();
}

std::string blas_config() {
  const OpenBlas& blas = openblas();
  return blas.config ? blas.config() : std::string("OpenBLAS");
}

}  // namespace nin
