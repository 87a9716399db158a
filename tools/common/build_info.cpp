#include "common/build_info.hpp"

#include <oneapi/tbb/version.h>

#include <boost/version.hpp>
#include <exception>
#include <string>

#include "common/build_commit.hpp"
#include "nin/core/gemm.hpp"
#include "nin/dist/launch.hpp"
#include "nin/io/hdf5.hpp"

namespace nin::cli {
namespace {

// "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (kernels: SkylakeX)", or why OpenBLAS cannot be loaded.
std::string openblas_text() {
  try {
    std::string config = blas_config();
    if (config.rfind("OpenBLAS ", 0) == 0) config.erase(0, 9);
    return config + " (kernels: " + blas_core_name() + ")";
  } catch (const std::exception& e) {
    return std::string("not available: ") + e.what();
  }
}

}  // namespace

void write_version(std::ostream& out, std::string_view tool) {
  out << tool << " (nin) " << NIN_VERSION << "\n";
  out << "commit: " << NIN_BUILD_COMMIT << "\n";
  out << "HDF5: " << hdf5::library_version() << "\n";
  out << "oneTBB: " << TBB_runtime_version() << "\n";
  out << "OpenBLAS: " << openblas_text() << "\n";
  out << "ONNX: " << NIN_ONNX_VERSION << "\n";
  out << "Boost: " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
      << BOOST_VERSION % 100 << "\n";
  const auto mpi = loaded_mpi_library();
  out << "MPI: " << (mpi ? *mpi : std::string("not loaded")) << "\n";
}

}  // namespace nin::cli
