// Fuzzes the IDX reader (MNIST, Fashion-MNIST; gzip or plain) through load_dataset on a directory.
// Input: a flags byte (bit 0: test split, bit 1: a limit), the limit byte, class_names.txt and the
// labels file as length-prefixed parts, then the images file (see fuzz_support.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = nin::fuzz;
  fz::InputSplitter input({data, size});
  const std::uint8_t flags = input.byte();
  const std::uint8_t limit = input.byte();
  const auto names = input.part();
  const auto labels = input.part();
  const auto images = input.rest();

  fz::clear_scratch();
  nin::DataOptions options;
  options.split = flags & 1 ? nin::Split::test : nin::Split::train;
  if (flags & 2) options.limit = limit;
  const char* prefix = options.split == nin::Split::test ? "t10k" : "train";
  fz::write_file(std::string("idx/") + prefix + "-images-idx3-ubyte", images);
  fz::write_file(std::string("idx/") + prefix + "-labels-idx1-ubyte", labels);
  if (!names.empty()) fz::write_file("idx/class_names.txt", names);
  try {
    fz::check_dataset(nin::load_dataset(fz::scratch_dir() / "idx", options));
  } catch (const nin::Error&) {
  }
  return 0;
}
