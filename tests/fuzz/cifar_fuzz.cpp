// Fuzzes the CIFAR-10 and CIFAR-100 binary readers through load_dataset on a directory.
// Input: a flags byte (bit 0: CIFAR-100, bit 1: coarse labels, bit 2: test split, bit 3: a limit),
// the limit byte, the class-names file as a length-prefixed part, then the records file (written
// as every file the split reads; see fuzz_support.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = nin::fuzz;
  fz::InputSplitter input({data, size});
  const std::uint8_t flags = input.byte();
  const std::uint8_t limit = input.byte();
  const auto names = input.part();
  const auto records = input.rest();

  fz::clear_scratch();
  nin::DataOptions options;
  const bool cifar100 = flags & 1;
  options.labels = flags & 2 ? nin::LabelKind::coarse : nin::LabelKind::fine;
  options.split = flags & 4 ? nin::Split::test : nin::Split::train;
  if (flags & 8) options.limit = limit;
  const bool test = options.split == nin::Split::test;
  if (cifar100) {
    fz::write_file(test ? "cifar/test.bin" : "cifar/train.bin", records);
    if (!names.empty())
      fz::write_file(options.labels == nin::LabelKind::coarse ? "cifar/coarse_label_names.txt"
                                                              : "cifar/fine_label_names.txt",
                     names);
  } else {
    if (test) {
      fz::write_file("cifar/test_batch.bin", records);
    } else {
      for (int i = 1; i <= 5; ++i)
        fz::write_file("cifar/data_batch_" + std::to_string(i) + ".bin", records);
    }
    if (!names.empty()) fz::write_file("cifar/batches.meta.txt", names);
  }
  try {
    fz::check_dataset(nin::load_dataset(fz::scratch_dir() / "cifar", options));
  } catch (const nin::Error&) {
  }
  return 0;
}
