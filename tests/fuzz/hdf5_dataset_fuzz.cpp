// Fuzzes the HDF5 data-set reader through load_dataset: the input is the file, read for both
// splits.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"
#include "nin/isolation/sandbox.hpp"

// The tools read HDF5 data sets in a forked sandbox; the fuzzer must see the reader's crashes and
// collect its coverage in its own process.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nin::set_sandbox_enabled(false);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = nin::fuzz;
  const auto path = fz::write_file("data.h5", {data, size});
  for (const nin::Split split : {nin::Split::train, nin::Split::test}) {
    nin::DataOptions options;
    options.split = split;
    try {
      fz::check_dataset(nin::load_dataset(path, options));
    } catch (const nin::Error&) {
    }
  }
  return 0;
}
