// Data sets: small IDX (plain and gzip), CIFAR-10, CIFAR-100 and HDF5 files written in their real
// binary layouts into a temporary directory and read back exactly (pixels, labels, channel order,
// NHWC → CHW); every way a reader refuses a file, with the file and record named; and the real
// Fashion-MNIST test split when it is installed.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "data_test_files.hpp"
#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"
#include "nin/io/hdf5.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = nin::hdf5;
using nin::DataOptions;
using nin::Dataset;
using nin::FormatError;
using nin::IoError;
using nin::LabelKind;
using nin::Split;
using nin::test::Bytes;
using nin::test::TempDir;
using nin::test::test_pixel;

Dataset load(const fs::path& path, Split split = Split::train, std::int64_t limit = 0,
             LabelKind labels = LabelKind::fine) {
  DataOptions options;
  options.split = split;
  options.limit = limit;
  options.labels = labels;
  return nin::load_dataset(path, options);
}

using nin::test::contains;

// Runs `f`, which must throw E with a one-line message that holds every one of `parts`.
template <typename E>
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    BOOST_ERROR("no exception; expected one with '" << parts.front() << "'");
  } catch (const E& e) {
    const std::string message = e.what();
    BOOST_TEST_MESSAGE("expected error: " << message);
    BOOST_TEST(!contains(message, "\n"), "message is not one line: " << message);
    for (const auto& part : parts)
      BOOST_TEST(contains(message, part), "'" << part << "' is not in: " << message);
  } catch (const std::exception& e) {
    BOOST_ERROR("exception of another type: " << e.what());
  }
}

std::vector<float> copied(const Dataset& data, const std::vector<std::int64_t>& indices) {
  std::vector<float> out(indices.size() * static_cast<std::size_t>(data.shape.elements()));
  data.copy_images(indices, out.data());
  return out;
}

std::vector<std::string> digits(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(std::to_string(i));
  return names;
}

// ---- IDX fixtures: 5 images of 3×4 pixels.

constexpr std::uint32_t kRows = 3, kCols = 4, kCount = 5;
const Bytes kIdxLabels = {3, 0, 9, 1, 7};

Bytes idx_pixels(std::int64_t count, std::int64_t first_image = 0) {
  Bytes out;
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t p = 0; p < kRows * kCols; ++p)
      out.push_back(test_pixel(first_image + i, 0, p));
  return out;
}

// Writes <prefix>-images-idx3-ubyte[.gz] and <prefix>-labels-idx1-ubyte[.gz] into `dir`.
void write_idx(const fs::path& dir, const std::string& prefix, bool gzip, const Bytes& images_file,
               const Bytes& labels_file) {
  const std::string suffix = gzip ? ".gz" : "";
  const auto write = gzip ? nin::test::write_gzip : nin::test::write_file;
  write(dir / (prefix + "-images-idx3-ubyte" + suffix), images_file);
  write(dir / (prefix + "-labels-idx1-ubyte" + suffix), labels_file);
}

void write_good_idx(const fs::path& dir, const std::string& prefix, bool gzip,
                    std::int64_t first_image = 0) {
  write_idx(dir, prefix, gzip,
            nin::test::idx_images(kCount, kRows, kCols, idx_pixels(kCount, first_image)),
            nin::test::idx_labels(kCount, kIdxLabels));
}

std::vector<std::int32_t> as_labels(const Bytes& bytes) {
  return std::vector<std::int32_t>(bytes.begin(), bytes.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(data)

// -------------------------------------------------------------------------------------------------
// IDX

BOOST_AUTO_TEST_CASE(idx_plain_files_read_exactly) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  write_good_idx(dir, "train", false);
  const Dataset data = load(dir);
  BOOST_TEST(data.format == "idx");
  BOOST_TEST(data.size() == 5);
  BOOST_TEST(data.shape.channels == 1);
  BOOST_TEST(data.shape.height == 3);
  BOOST_TEST(data.shape.width == 4);
  BOOST_TEST(data.classes == 10);
  BOOST_TEST(data.class_names == digits(10), boost::test_tools::per_element());
  BOOST_TEST(data.labels == as_labels(kIdxLabels), boost::test_tools::per_element());
  BOOST_TEST(data.bytes == idx_pixels(5), boost::test_tools::per_element());
  BOOST_TEST(data.floats.empty());
  BOOST_TEST(contains(data.source, "train-images-idx3-ubyte"));
  BOOST_TEST(contains(data.source, "train-labels-idx1-ubyte"));

  const std::vector<float> out = copied(data, {4, 0, 4});
  std::vector<float> expected;
  for (const std::int64_t i : {4, 0, 4})
    for (std::int64_t p = 0; p < 12; ++p) expected.push_back(test_pixel(i, 0, p));
  BOOST_TEST(out == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(idx_gzip_files_test_split_and_limit) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  write_good_idx(dir, "train", true, 0);
  write_good_idx(dir, "t10k", true, 100);  // other pixels than the train split
  const Dataset test = load(dir, Split::test);
  BOOST_TEST(test.size() == 5);
  BOOST_TEST(test.bytes == idx_pixels(5, 100), boost::test_tools::per_element());
  BOOST_TEST(test.labels == as_labels(kIdxLabels), boost::test_tools::per_element());
  BOOST_TEST(contains(test.source, "t10k-images-idx3-ubyte.gz"));
  BOOST_TEST(load(dir, Split::train).bytes == idx_pixels(5, 0), boost::test_tools::per_element());

  const Dataset two = load(dir, Split::test, 2);
  BOOST_TEST(two.size() == 2);
  BOOST_TEST(two.bytes == idx_pixels(2, 100), boost::test_tools::per_element());
  BOOST_TEST((two.labels == std::vector<std::int32_t>{3, 0}));
  BOOST_TEST(load(dir, Split::test, 100).size() == 5);
}

BOOST_AUTO_TEST_CASE(idx_gzip_is_recognised_by_its_magic_bytes_without_the_suffix) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  nin::test::write_gzip(dir / "train-images-idx3-ubyte",
                        nin::test::idx_images(kCount, kRows, kCols, idx_pixels(kCount)));
  nin::test::write_file(dir / "train-labels-idx1-ubyte", nin::test::idx_labels(kCount, kIdxLabels));
  const Dataset data = load(dir);
  BOOST_TEST(data.bytes == idx_pixels(5), boost::test_tools::per_element());
  BOOST_TEST(data.labels == as_labels(kIdxLabels), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(idx_class_names_from_file_or_fashion_path) {
  TempDir tmp;
  const fs::path fashion = tmp.subdir("My-FASHION-set");
  write_good_idx(fashion, "train", true);
  const Dataset f = load(fashion);
  const std::vector<std::string> fashion_names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                  "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                  "Bag",         "Ankle boot"};
  BOOST_TEST(f.class_names == fashion_names, boost::test_tools::per_element());
  BOOST_TEST(f.classes == 10);

  // class_names.txt wins; blank lines and surrounding spaces are ignored; classes follow it.
  const fs::path named = tmp.subdir("named");
  write_idx(named, "train", false, nin::test::idx_images(4, kRows, kCols, idx_pixels(4)),
            nin::test::idx_labels(4, {2, 0, 1, 2}));
  nin::test::write_text(named / "class_names.txt", "cat\n\n  dog \r\nbird\n\n");
  const Dataset n = load(named);
  BOOST_TEST(n.classes == 3);
  BOOST_TEST((n.class_names == std::vector<std::string>{"cat", "dog", "bird"}));
  BOOST_TEST((n.labels == std::vector<std::int32_t>{2, 0, 1, 2}));

  write_idx(named, "train", false, nin::test::idx_images(4, kRows, kCols, idx_pixels(4)),
            nin::test::idx_labels(4, {2, 0, 3, 2}));
  expect_error<FormatError>([&] { load(named); },
                            {"train-labels-idx1-ubyte", "record 2", "label 3", "0..2"});
}

BOOST_AUTO_TEST_CASE(idx_truncated_files_name_the_first_incomplete_record) {
  TempDir tmp;
  for (const bool gzip : {false, true}) {
    const fs::path dir = tmp.subdir(gzip ? "gz" : "plain");
    const std::string images = gzip ? "train-images-idx3-ubyte.gz" : "train-images-idx3-ubyte";
    const std::string labels = gzip ? "train-labels-idx1-ubyte.gz" : "train-labels-idx1-ubyte";
    // 10 images claimed, 4 and a half present.
    Bytes pixels = idx_pixels(5);
    pixels.resize(4 * 12 + 6);
    write_idx(dir, "train", gzip, nin::test::idx_images(10, kRows, kCols, pixels),
              nin::test::idx_labels(10, Bytes(10, 1)));
    expect_error<FormatError>([&] { load(dir); }, {images, "truncated at image 4 of 10"});
    // Only the records asked for are read.
    BOOST_TEST(load(dir, Split::train, 4).size() == 4);

    write_idx(dir, "train", gzip, nin::test::idx_images(5, kRows, kCols, idx_pixels(5)),
              nin::test::idx_labels(5, {1, 2, 3}));
    expect_error<FormatError>([&] { load(dir); }, {labels, "truncated at label 3 of 5"});

    // Shorter than its header.
    write_idx(dir, "train", gzip, Bytes{0, 0, 8, 3, 0, 0},
              nin::test::idx_labels(5, {1, 2, 3, 4, 5}));
    expect_error<FormatError>([&] { load(dir); }, {images, "header"});

    // More data than the header declares.
    write_idx(dir, "train", gzip, nin::test::idx_images(4, kRows, kCols, idx_pixels(5)),
              nin::test::idx_labels(4, {1, 2, 3, 4}));
    expect_error<FormatError>([&] { load(dir); }, {images, "after the 4 images"});
  }
}

BOOST_AUTO_TEST_CASE(idx_truncated_gzip_stream) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  // Incompressible pixels, so that cutting the compressed file in half loses images.
  Bytes pixels;
  std::uint32_t state = 12345;
  for (std::int64_t i = 0; i < 200 * 12; ++i) {
    state = state * 1103515245u + 12345u;
    pixels.push_back(static_cast<std::uint8_t>(state >> 23));
  }
  write_idx(dir, "train", true, nin::test::idx_images(200, kRows, kCols, pixels),
            nin::test::idx_labels(200, Bytes(200, 4)));
  const fs::path images = dir / "train-images-idx3-ubyte.gz";
  fs::resize_file(images, fs::file_size(images) / 2);
  expect_error<FormatError>([&] { load(dir); },
                            {"train-images-idx3-ubyte.gz", "truncated at image", "of 200"});
}

BOOST_AUTO_TEST_CASE(idx_wrong_magic_names_found_and_expected) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  // The labels file where the images should be.
  write_idx(dir, "train", false, nin::test::idx_labels(kCount, kIdxLabels),
            nin::test::idx_labels(kCount, kIdxLabels));
  expect_error<FormatError>([&] { load(dir); },
                            {"train-images-idx3-ubyte", "0x00000801", "0x00000803"});
  // And the other way round.
  write_idx(dir, "train", true, nin::test::idx_images(kCount, kRows, kCols, idx_pixels(kCount)),
            nin::test::idx_images(kCount, kRows, kCols, idx_pixels(kCount)));
  fs::remove(dir / "train-images-idx3-ubyte");
  fs::remove(dir / "train-labels-idx1-ubyte");
  expect_error<FormatError>([&] { load(dir); },
                            {"train-labels-idx1-ubyte.gz", "0x00000803", "expected 0x00000801"});
}

BOOST_AUTO_TEST_CASE(idx_header_claiming_2_pow_31_images_is_refused_without_allocating) {
  TempDir tmp;
  const auto start = std::chrono::steady_clock::now();
  constexpr std::uint32_t kHuge = 0x80000000u;
  const fs::path plain = tmp.subdir("plain"), big = tmp.subdir("big"), small = tmp.subdir("small");
  // Plain: compared with the file size.
  write_idx(plain, "train", false, nin::test::idx_images(kHuge, 28, 28, idx_pixels(kCount)),
            nin::test::idx_labels(kHuge, kIdxLabels));
  expect_error<FormatError>([&] { load(plain); },
                            {"train-images-idx3-ubyte", "truncated at image 0 of 2147483648"});
  // Gzip, 28×28: more than any data set may take.
  write_idx(big, "train", true, nin::test::idx_images(kHuge, 28, 28, idx_pixels(kCount)),
            nin::test::idx_labels(kHuge, kIdxLabels));
  expect_error<FormatError>([&] { load(big); },
                            {"train-images-idx3-ubyte.gz", "2147483648 images", "more than"});
  // Gzip, 1×1 (2 GiB, within the limit): read as the data arrives, and found truncated.
  write_idx(small, "train", true, nin::test::idx_images(kHuge, 1, 1, Bytes(100, 7)),
            nin::test::idx_labels(kHuge, kIdxLabels));
  expect_error<FormatError>([&] { load(small); },
                            {"train-images-idx3-ubyte.gz", "truncated at image 100 of 2147483648"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(seconds < 2.0, "took " << seconds << " s");
}

BOOST_AUTO_TEST_CASE(idx_image_and_label_counts_must_agree) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  write_idx(dir, "train", false, nin::test::idx_images(kCount, kRows, kCols, idx_pixels(kCount)),
            nin::test::idx_labels(4, {1, 2, 3, 4}));
  expect_error<FormatError>([&] { load(dir); }, {"train-labels-idx1-ubyte", "4 labels",
                                                 "train-images-idx3-ubyte", "5 images"});
}

BOOST_AUTO_TEST_CASE(idx_label_out_of_range_names_the_record) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  write_idx(dir, "train", true, nin::test::idx_images(kCount, kRows, kCols, idx_pixels(kCount)),
            nin::test::idx_labels(kCount, {1, 2, 10, 4, 5}));
  expect_error<FormatError>([&] { load(dir); },
                            {"train-labels-idx1-ubyte.gz", "record 2", "label 10", "0..9"});
}

// -------------------------------------------------------------------------------------------------
// Dispatch

BOOST_AUTO_TEST_CASE(paths_that_hold_no_data_set) {
  TempDir tmp;
  const fs::path missing = tmp.path() / "nowhere";
  expect_error<IoError>([&] { load(missing); },
                        {"'" + missing.string() + "'", "no such file or directory"});
  const fs::path empty = tmp.subdir("empty");
  expect_error<IoError>([&] { load(empty); },
                        {"'" + empty.string() + "'",
                         "no IDX, CIFAR-10 or CIFAR-100 files and no class folders of images found",
                         "train-images-idx3-ubyte.gz", "data_batch_1.bin", "train.bin"});
  const fs::path notes = tmp.path() / "notes.txt";
  nin::test::write_text(notes, "hello\n");
  expect_error<FormatError>([&] { load(notes); }, {"notes.txt", "*.h5"});

  // An IDX directory with only the train split.
  const fs::path dir = tmp.subdir("mnist");
  write_good_idx(dir, "train", true);
  expect_error<IoError>([&] { load(dir, Split::test); }, {"t10k-images-idx3-ubyte", "test"});
  fs::remove(dir / "train-labels-idx1-ubyte.gz");
  expect_error<IoError>([&] { load(dir); }, {"train-labels-idx1-ubyte"});

  expect_error<nin::UsageError>([&] { load(dir, Split::train, -1); }, {"-1"});
}

BOOST_AUTO_TEST_CASE(copy_images_refuses_an_index_outside_the_data_set) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("mnist");
  write_good_idx(dir, "train", false);
  const Dataset data = load(dir);
  std::vector<float> out(12);
  const std::vector<std::int64_t> bad = {5};
  BOOST_CHECK_THROW(data.copy_images(bad, out.data()), std::out_of_range);
}

// -------------------------------------------------------------------------------------------------
// CIFAR

namespace {

// Five training batches of 3 records (images 0..14) and a test batch of 2 (images 100, 101);
// the label of image i is i % 10.
void write_cifar10(const fs::path& dir) {
  for (int b = 0; b < 5; ++b) {
    Bytes file;
    for (int r = 0; r < 3; ++r) {
      const int image = 3 * b + r;
      const Bytes record = nin::test::cifar_record({static_cast<std::uint8_t>(image % 10)}, image);
      file.insert(file.end(), record.begin(), record.end());
    }
    nin::test::write_file(dir / ("data_batch_" + std::to_string(b + 1) + ".bin"), file);
  }
  Bytes test;
  for (int image : {100, 101}) {
    const Bytes record = nin::test::cifar_record({static_cast<std::uint8_t>(image % 10)}, image);
    test.insert(test.end(), record.begin(), record.end());
  }
  nin::test::write_file(dir / "test_batch.bin", test);
}

Bytes cifar_images(const std::vector<int>& images) {
  Bytes out;
  for (const int i : images) {
    const Bytes p = nin::test::cifar_pixels(i);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(cifar10_batches_in_order_with_rgb_planes) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("cifar-10-batches-bin");
  write_cifar10(dir);
  nin::test::write_text(dir / "batches.meta.txt",
                        "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
  const Dataset train = load(dir);
  BOOST_TEST(train.format == "cifar10");
  BOOST_TEST(train.size() == 15);
  BOOST_TEST(train.shape.channels == 3);
  BOOST_TEST(train.shape.height == 32);
  BOOST_TEST(train.shape.width == 32);
  BOOST_TEST(train.classes == 10);
  BOOST_TEST(train.class_names.size() == 10u);
  BOOST_TEST(train.class_names[9] == "truck");
  std::vector<int> ids;
  std::vector<std::int32_t> labels;
  for (int i = 0; i < 15; ++i) {
    ids.push_back(i);
    labels.push_back(i % 10);
  }
  BOOST_TEST(train.labels == labels, boost::test_tools::per_element());
  BOOST_TEST(train.bytes == cifar_images(ids), boost::test_tools::per_element());
  BOOST_TEST(contains(train.source, "data_batch_1.bin"));
  BOOST_TEST(contains(train.source, "data_batch_5.bin"));

  // Channel order: R plane, then G, then B, each 32 rows of 32.
  const std::vector<float> image7 = copied(train, {7});
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t p : {0, 31, 32, 1023})
      BOOST_TEST(image7[static_cast<std::size_t>(c * 1024 + p)] == test_pixel(7, c, p));
  BOOST_TEST(test_pixel(7, 0, 0) != test_pixel(7, 1, 0));

  const Dataset four = load(dir, Split::train, 4);  // crosses from batch 1 into batch 2
  BOOST_TEST(four.size() == 4);
  BOOST_TEST(four.bytes == cifar_images({0, 1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(!contains(four.source, "data_batch_3.bin"));

  const Dataset test = load(dir, Split::test);
  BOOST_TEST(test.size() == 2);
  BOOST_TEST((test.labels == std::vector<std::int32_t>{0, 1}));
  BOOST_TEST(test.bytes == cifar_images({100, 101}), boost::test_tools::per_element());
  BOOST_TEST(contains(test.source, "test_batch.bin"));

  fs::remove(dir / "batches.meta.txt");  // the standard names without the file
  BOOST_TEST(load(dir, Split::test).class_names[0] == "airplane");
}

BOOST_AUTO_TEST_CASE(cifar10_errors_name_the_file_and_record) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("cifar10");
  write_cifar10(dir);

  Bytes odd = nin::test::cifar_record({1}, 0);
  odd.resize(3073 + 5);
  nin::test::write_file(dir / "test_batch.bin", odd);
  expect_error<FormatError>([&] { load(dir, Split::test); }, {"test_batch.bin", "3078", "3073"});

  Bytes bad = nin::test::cifar_record({1}, 0);
  const Bytes ten = nin::test::cifar_record({10}, 1);
  bad.insert(bad.end(), ten.begin(), ten.end());
  nin::test::write_file(dir / "data_batch_2.bin", bad);
  expect_error<FormatError>([&] { load(dir); },
                            {"data_batch_2.bin", "record 1", "label 10", "0..9"});

  fs::remove(dir / "data_batch_4.bin");
  expect_error<IoError>([&] { load(dir); }, {"data_batch_4.bin"});

  nin::test::write_file(dir / "test_batch.bin", nin::test::cifar_record({1}, 0));
  nin::test::write_text(dir / "batches.meta.txt", "a\nb\nc\n");
  expect_error<FormatError>([&] { load(dir, Split::test); },
                            {"batches.meta.txt", "3 class names", "10"});
}

BOOST_AUTO_TEST_CASE(cifar100_fine_and_coarse_labels) {
  TempDir tmp;
  const fs::path dir = tmp.subdir("cifar-100-binary");
  Bytes train;
  for (int i = 0; i < 4; ++i) {
    const Bytes r = nin::test::cifar_record(
        {static_cast<std::uint8_t>(i * 5 % 20), static_cast<std::uint8_t>(i * 33 % 100)}, i);
    train.insert(train.end(), r.begin(), r.end());
  }
  nin::test::write_file(dir / "train.bin", train);
  nin::test::write_file(dir / "test.bin", nin::test::cifar_record({19, 99}, 50));
  std::string fine_names;
  for (int i = 0; i < 100; ++i) fine_names += "fine" + std::to_string(i) + "\n";
  nin::test::write_text(dir / "fine_label_names.txt", fine_names);

  const Dataset fine = load(dir);
  BOOST_TEST(fine.format == "cifar100");
  BOOST_TEST(fine.classes == 100);
  BOOST_TEST(fine.class_names.size() == 100u);
  BOOST_TEST(fine.class_names[33] == "fine33");
  BOOST_TEST((fine.labels == std::vector<std::int32_t>{0, 33, 66, 99}));
  BOOST_TEST(fine.bytes == cifar_images({0, 1, 2, 3}), boost::test_tools::per_element());

  const Dataset coarse = load(dir, Split::train, 0, LabelKind::coarse);
  BOOST_TEST(coarse.classes == 20);
  BOOST_TEST(coarse.class_names == digits(20), boost::test_tools::per_element());
  BOOST_TEST((coarse.labels == std::vector<std::int32_t>{0, 5, 10, 15}));

  const Dataset test = load(dir, Split::test, 0, LabelKind::coarse);
  BOOST_TEST((test.labels == std::vector<std::int32_t>{19}));
  BOOST_TEST(test.bytes == cifar_images({50}), boost::test_tools::per_element());

  nin::test::write_file(dir / "test.bin", nin::test::cifar_record({19, 100}, 50));
  expect_error<FormatError>([&] { load(dir, Split::test); },
                            {"test.bin", "record 0", "fine label 100", "0..99"});
  nin::test::write_file(dir / "test.bin", nin::test::cifar_record({20, 1}, 50));
  expect_error<FormatError>([&] { load(dir, Split::test); },
                            {"test.bin", "record 0", "coarse label 20", "0..19"});
  nin::test::write_file(dir / "test.bin", nin::test::cifar_record({1}, 50));  // a CIFAR-10 record
  expect_error<FormatError>([&] { load(dir, Split::test); }, {"test.bin", "3073", "3074"});
}

// -------------------------------------------------------------------------------------------------
// HDF5

namespace {

using Dims = std::vector<std::uint64_t>;

template <typename T>
void write(const h5::File& file, const std::string& name, const Dims& dims,
           const std::vector<T>& v) {
  h5::write_dataset<T>(file, name, dims, v.data());
}

// Values of image i at channel c, row y, column x (distinct per position).
std::uint8_t h5_byte(std::int64_t i, std::int64_t c, std::int64_t y, std::int64_t x) {
  return static_cast<std::uint8_t>(i * 60 + c * 20 + y * 5 + x);
}
float h5_float(std::int64_t i, std::int64_t c, std::int64_t y, std::int64_t x) {
  return static_cast<float>(i * 1000 + c * 100 + y * 10 + x) + 0.25f;
}

// count images of C×H×W in NCHW order, values from `value`.
template <typename T, typename F>
std::vector<T> nchw(std::int64_t count, std::int64_t C, std::int64_t H, std::int64_t W, F value) {
  std::vector<T> out;
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x) out.push_back(value(i, c, y, x));
  return out;
}
// The same images stored N,H,W,C.
template <typename T, typename F>
std::vector<T> nhwc(std::int64_t count, std::int64_t C, std::int64_t H, std::int64_t W, F value) {
  std::vector<T> out;
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t y = 0; y < H; ++y)
      for (std::int64_t x = 0; x < W; ++x)
        for (std::int64_t c = 0; c < C; ++c) out.push_back(value(i, c, y, x));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hdf5_train_test_groups_nchw_uint8_with_class_names) {
  TempDir tmp;
  const fs::path path = tmp.path() / "set.h5";
  {
    h5::File file = h5::create_file(path);
    write(file, "train/images", {4, 3, 2, 5}, nchw<std::uint8_t>(4, 3, 2, 5, h5_byte));
    write(file, "train/labels", {4}, std::vector<std::int64_t>{2, 0, 1, 2});
    auto test_images = nchw<std::uint8_t>(6, 3, 2, 5, h5_byte);
    test_images.erase(test_images.begin(), test_images.begin() + 4 * 30);  // images 4 and 5
    write(file, "test/images", {2, 3, 2, 5}, test_images);
    write(file, "test/labels", {2}, std::vector<std::uint8_t>{1, 1});
    const std::vector<std::string> names = {"ant", "bee", "cow"};
    h5::write_string_array_attribute(file, "class_names", names);
    h5::close_file(file);
  }
  const Dataset train = load(path);
  BOOST_TEST(train.format == "hdf5");
  BOOST_TEST(train.size() == 4);
  BOOST_TEST(train.shape.channels == 3);
  BOOST_TEST(train.shape.height == 2);
  BOOST_TEST(train.shape.width == 5);
  BOOST_TEST(train.classes == 3);
  BOOST_TEST((train.class_names == std::vector<std::string>{"ant", "bee", "cow"}));
  BOOST_TEST((train.labels == std::vector<std::int32_t>{2, 0, 1, 2}));
  BOOST_TEST(train.bytes == nchw<std::uint8_t>(4, 3, 2, 5, h5_byte),
             boost::test_tools::per_element());
  BOOST_TEST(train.floats.empty());
  BOOST_TEST(contains(train.source, "set.h5"));

  const Dataset test = load(path, Split::test);
  BOOST_TEST(test.size() == 2);
  BOOST_TEST((test.labels == std::vector<std::int32_t>{1, 1}));
  const std::vector<float> image5 = copied(test, {1});
  BOOST_TEST(image5[0] == h5_byte(5, 0, 0, 0));
  BOOST_TEST(image5[29] == h5_byte(5, 2, 1, 4));

  const Dataset one = load(path, Split::train, 1);
  BOOST_TEST(one.size() == 1);
  BOOST_TEST(one.bytes == nchw<std::uint8_t>(1, 3, 2, 5, h5_byte),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hdf5_root_nhwc_float32_is_transposed) {
  TempDir tmp;
  const fs::path path = tmp.path() / "root.hdf5";
  {
    h5::File file = h5::create_file(path);
    // [3, 2, 4, 3]: dims[1] = 2 is no channel count, dims[3] = 3 is: NHWC.
    write(file, "images", {3, 2, 4, 3}, nhwc<float>(3, 3, 2, 4, h5_float));
    write(file, "labels", {3}, std::vector<std::int32_t>{4, 1, 0});
    h5::close_file(file);
  }
  for (const Split split : {Split::train, Split::test}) {
    const Dataset data = load(path, split);
    BOOST_TEST(data.size() == 3);
    BOOST_TEST(data.shape.channels == 3);
    BOOST_TEST(data.shape.height == 2);
    BOOST_TEST(data.shape.width == 4);
    BOOST_TEST(data.bytes.empty());
    BOOST_TEST(data.floats == nchw<float>(3, 3, 2, 4, h5_float), boost::test_tools::per_element());
    BOOST_TEST((data.labels == std::vector<std::int32_t>{4, 1, 0}));
    BOOST_TEST(data.classes == 5);  // largest label + 1, without class names
    BOOST_TEST(data.class_names == digits(5), boost::test_tools::per_element());
    const std::vector<float> all = nchw<float>(3, 3, 2, 4, h5_float);
    const std::vector<float> third(all.begin() + 2 * 24, all.end());
    BOOST_TEST(copied(data, {2}) == third, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(hdf5_layout_attribute_decides) {
  TempDir tmp;
  const fs::path path = tmp.path() / "layout.h5";
  {
    // [2, 3, 4, 3] looks NCHW; the attribute says NHWC.
    h5::File file = h5::create_file(path);
    write(file, "images", {2, 3, 4, 3}, nhwc<std::uint8_t>(2, 3, 3, 4, h5_byte));
    h5::Dataset images = h5::open_dataset(file, "images");
    h5::write_string_attribute(images, "layout", "NHWC");
    images.reset();
    write(file, "labels", {2}, std::vector<std::int32_t>{0, 1});
    h5::close_file(file);
  }
  const Dataset data = load(path);
  BOOST_TEST(data.shape.channels == 3);
  BOOST_TEST(data.shape.height == 3);
  BOOST_TEST(data.shape.width == 4);
  BOOST_TEST(data.bytes == nchw<std::uint8_t>(2, 3, 3, 4, h5_byte),
             boost::test_tools::per_element());

  {
    h5::File file = h5::create_file(path);
    write(file, "images", {2, 2, 2, 2}, std::vector<std::uint8_t>(16, 1));
    write(file, "labels", {2}, std::vector<std::int32_t>{0, 1});
    h5::close_file(file);
  }
  expect_error<FormatError>([&] { load(path); },
                            {"layout.h5", "/images", "[2,2,2,2]", "layout", "NHWC"});
  {
    h5::File rw = h5::create_file(path);
    write(rw, "images", {2, 2, 2, 2}, std::vector<std::uint8_t>(16, 1));
    h5::Dataset images = h5::open_dataset(rw, "images");
    h5::write_string_attribute(images, "layout", "CHW");
    images.reset();
    write(rw, "labels", {2}, std::vector<std::int32_t>{0, 1});
    h5::close_file(rw);
  }
  expect_error<FormatError>([&] { load(path); }, {"layout.h5", "'CHW'", "NCHW or NHWC"});
}

BOOST_AUTO_TEST_CASE(hdf5_fixed_length_class_names) {
  TempDir tmp;
  const fs::path path = tmp.path() / "fixed.h5";
  {
    h5::File file = h5::create_file(path);
    write(file, "images", {2, 1, 2, 2}, std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
    write(file, "labels", {2}, std::vector<std::int64_t>{1, 0});
    h5::close_file(file);
  }
  nin::test::write_fixed_string_attribute(path, "class_names", {"no", "yes"});
  const Dataset data = load(path);
  BOOST_TEST((data.class_names == std::vector<std::string>{"no", "yes"}));
  BOOST_TEST(data.classes == 2);
  BOOST_TEST((data.bytes == Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
}

BOOST_AUTO_TEST_CASE(hdf5_errors_name_the_file_and_dataset) {
  TempDir tmp;
  const fs::path text = tmp.path() / "text.h5";
  nin::test::write_text(text, "not hdf5 at all\n");
  expect_error<FormatError>([&] { load(text); }, {"text.h5", "not an HDF5 file"});

  const fs::path path = tmp.path() / "bad.h5";
  // Writes a root-level data set from a function, then expects load to fail with `parts`.
  const auto expect = [&](const std::function<void(const h5::File&)>& fill,
                          const std::vector<std::string>& parts, Split split = Split::train) {
    {
      h5::File file = h5::create_file(path);
      fill(file);
      h5::close_file(file);
    }
    expect_error<FormatError>([&] { load(path, split); }, parts);
  };
  const std::vector<std::uint8_t> pixels(4 * 3 * 2 * 2, 9);

  // Data stored in another file is not read: the dataset is refused by name.
  {
    h5::File file = h5::create_file(path);
    write(file, "images", {4, 3, 2, 2}, pixels);
    h5::close_file(file);
  }
  nin::test::write_externally_stored_dataset(path, "labels", 4, tmp.path() / "labels.raw");
  expect_error<FormatError>([&] { load(path); },
                            {"bad.h5", "'labels' keeps its data in other files"});

  // A NaN or infinite pixel, named with its image (image 2 holds flat index 2 · 12 + 5).
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
    std::vector<float> floats(4 * 3 * 2 * 2, 0.5f);
    floats[2 * 12 + 5] = bad;
    expect(
        [&](const h5::File& f) {
          write(f, "images", {4, 3, 2, 2}, floats);
          write(f, "labels", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
        },
        {"bad.h5", "image 2 holds", std::isnan(bad) ? "NaN" : "-inf", "expected finite"});
  }

  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 6, 2}, pixels);
        write(f, "labels", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
      },
      {"bad.h5", "/images", "rank 3", "[4,6,2]", "rank 4"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, std::vector<double>(48, 0.5));
        write(f, "labels", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
      },
      {"bad.h5", "/images", "float64", "uint8 or float32"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, std::vector<std::int32_t>(48, 1));
        write(f, "labels", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
      },
      {"bad.h5", "/images", "int32", "uint8 or float32"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, pixels);
        write(f, "labels", {3}, std::vector<std::int32_t>{0, 1, 2});
      },
      {"bad.h5", "/labels", "3 labels", "4 images"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, pixels);
        write(f, "labels", {2, 2}, std::vector<std::int32_t>{0, 1, 2, 3});
      },
      {"bad.h5", "/labels", "rank 2"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, pixels);
        write(f, "labels", {4}, std::vector<float>{0, 1, 2, 3});
      },
      {"bad.h5", "/labels", "float32", "integer"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, pixels);
        write(f, "labels", {4}, std::vector<std::int64_t>{0, -1, 2, 3});
      },
      {"bad.h5", "/labels", "record 1", "label -1"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, pixels);
        write(f, "labels", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
        const std::vector<std::string> names = {"a", "b", "c"};
        h5::write_string_array_attribute(f, "class_names", names);
      },
      {"bad.h5", "/labels", "record 3", "label 3", "3 classes"});
  expect(
      [&](const h5::File& f) {
        write(f, "images", {4, 3, 2, 2}, pixels);
      },
      {"bad.h5", "/labels"});
  expect(
      [&](const h5::File& f) {
        write(f, "data", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
      },
      {"bad.h5", "no data set found", "/train", "/images"});
  expect(
      [&](const h5::File& f) {
        write(f, "train/images", {4, 3, 2, 2}, pixels);
        write(f, "train/labels", {4}, std::vector<std::int32_t>{0, 1, 2, 3});
      },
      {"bad.h5", "/test"}, Split::test);
}

// -------------------------------------------------------------------------------------------------
// The real Fashion-MNIST

BOOST_AUTO_TEST_CASE(fashion_mnist_test_split_first_300) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir / "t10k-images-idx3-ubyte.gz")) {
    BOOST_TEST_MESSAGE("skipped: " << dir
                                   << " is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  const Dataset data = load(dir, Split::test, 300);
  BOOST_TEST(data.format == "idx");
  BOOST_TEST(data.size() == 300);
  BOOST_TEST(data.shape.channels == 1);
  BOOST_TEST(data.shape.height == 28);
  BOOST_TEST(data.shape.width == 28);
  BOOST_TEST(data.bytes.size() == 300u * 784u);
  BOOST_TEST(data.classes == 10);
  BOOST_TEST(data.class_names[0] == "T-shirt/top");
  BOOST_TEST(data.class_names[9] == "Ankle boot");
  BOOST_TEST(data.labels[0] == 9);  // the first test image is an ankle boot
  BOOST_TEST(std::all_of(data.labels.begin(), data.labels.end(),
                         [](std::int32_t l) { return l >= 0 && l < 10; }));
  BOOST_TEST(*std::max_element(data.bytes.begin(), data.bytes.end()) > 200);
}

BOOST_AUTO_TEST_SUITE_END()
