#pragma once
// What the fuzz targets share: a scratch directory of the process's own for readers that take a
// path, and checks of the invariants a reader promises about what it returns. A broken invariant
// aborts, so that libFuzzer keeps the input like any other crash.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "nin/data/dataset.hpp"

namespace nin::fuzz {

// A fresh directory under $TMPDIR (else /tmp) for this process, removed at exit. libFuzzer's fork
// mode runs many processes at once, so each needs its own.
const std::filesystem::path& scratch_dir();

// Writes `bytes` to scratch_dir()/name (a relative path; directories are created) and returns
// the full path.
std::filesystem::path write_file(const std::string& name, std::span<const std::uint8_t> bytes);

// Removes everything in scratch_dir(), so that no file of one input leaks into the next.
void clear_scratch();

// Cuts one fuzz input into fields, so that a target can feed several files and options from it:
// single bytes, parts prefixed by their 16-bit little-endian length, and the rest. Reading past
// the end gives zeros and empty parts, so every input splits.
class InputSplitter {
 public:
  explicit InputSplitter(std::span<const std::uint8_t> input) : input_(input) {}
  std::uint8_t byte();
  std::span<const std::uint8_t> part();
  std::span<const std::uint8_t> rest();

 private:
  std::span<const std::uint8_t> input_;
};

// Aborts with `what` on stderr unless `condition` holds.
void require(bool condition, const char* what);

// A data set's documented promises: pixels for every label, each label in [0, classes), one name
// per class; copy_images works on the first and last image.
void check_dataset(const Dataset& data);

}  // namespace nin::fuzz
