#include "fuzz_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <vector>

namespace nin::fuzz {

namespace fs = std::filesystem;

namespace {

fs::path make_scratch_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/nin-fuzz-XXXXXX";
  if (!mkdtemp(pattern.data())) {
    std::perror("nin fuzz: mkdtemp");
    std::abort();
  }
  return pattern;
}

}  // namespace

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path made = make_scratch_dir();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return made;
  }();
  return dir;
}

fs::path write_file(const std::string& name, std::span<const std::uint8_t> bytes) {
  const fs::path path = scratch_dir() / name;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  require(out.good(), "cannot write a scratch file");
  return path;
}

void clear_scratch() {
  for (const auto& entry : fs::directory_iterator(scratch_dir())) fs::remove_all(entry.path());
}

std::uint8_t InputSplitter::byte() {
  if (input_.empty()) return 0;
  const std::uint8_t value = input_.front();
  input_ = input_.subspan(1);
  return value;
}

std::span<const std::uint8_t> InputSplitter::part() {
  const std::size_t low = byte();
  const std::size_t length = std::min(low | std::size_t{byte()} << 8, input_.size());
  const auto value = input_.first(length);
  input_ = input_.subspan(length);
  return value;
}

std::span<const std::uint8_t> InputSplitter::rest() {
  const auto value = input_;
  input_ = {};
  return value;
}

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "nin fuzz: broken invariant: %s\n", what);
  std::abort();
}

void check_dataset(const Dataset& data) {
  const std::int64_t n = data.size();
  require(n > 0, "a data set that loads holds images");
  require(data.classes > 0, "classes > 0");
  require(data.class_names.size() == static_cast<std::size_t>(data.classes),
          "one class name per class");
  const std::int64_t elements = data.shape.elements();
  require(data.shape.channels > 0 && data.shape.height > 0 && data.shape.width > 0,
          "a positive image shape");
  const auto pixels = static_cast<std::size_t>(n * elements);
  require((data.bytes.size() == pixels) != (data.floats.size() == pixels),
          "exactly one of bytes and floats holds every pixel");
  for (const std::int32_t label : data.labels)
    require(label >= 0 && label < data.classes, "every label in [0, classes)");
  const std::int64_t indices[] = {0, n - 1};
  std::vector<float> out(static_cast<std::size_t>(2 * elements));
  data.copy_images(indices, out.data());
}

}  // namespace nin::fuzz
