#pragma once
// What --version prints: the tool and nin's version on the first line, then the commit the tools
// were built from and the versions of the libraries they run with, one "name: version" per line.

#include <ostream>
#include <string_view>

namespace nin::cli {

// e.g.
//   nin-eval (nin) 0.1.0
//   commit: 1a2b3c4d5e6f
//   HDF5: 1.10.8
//   oneTBB: 2021.8.0
//   OpenBLAS: 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64 (kernels: SkylakeX)
//   ONNX: 1.12.0
//   Boost: 1.74.0
//   Open MPI: not loaded
// HDF5, oneTBB and OpenBLAS are the libraries loaded at run time; ONNX and Boost those built
// against (ONNX has no run-time version call); MPI is loaded only under an MPI launcher.
void write_version(std::ostream& out, std::string_view tool);

}  // namespace nin::cli
