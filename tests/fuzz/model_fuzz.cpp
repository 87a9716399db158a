// Fuzzes the HDF5 model reader as the tools use it: open the file, build the network its spec
// describes, read the parameters into it, and the checkpoint when there is one. The input is the
// file. libhdf5 itself is known to crash or hang on some corrupt files; run-long.sh tells those
// apart from nin's own findings.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "nin/core/error.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = nin::fuzz;
  const auto path = fz::write_file("model.h5", {data, size});
  try {
    const nin::ModelReader reader(path);
    nin::Network network(reader.spec(), 1);
    reader.read_parameters(network);
    if (reader.has_checkpoint()) (void)reader.read_checkpoint(network);
  } catch (const nin::Error&) {
  }
  return 0;
}
