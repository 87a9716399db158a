// Writes the binary seed files of tests/fuzz/corpus: small valid inputs of every fuzz target, so
// that fuzzing starts from files the readers accept. The JSON specs are checked in as they are.
//   make_corpus SPEC.json OUT_DIR
// writes OUT_DIR/{model,onnx,hdf5-dataset,idx,cifar,image}/... (the first four from the network
// in SPEC.json).
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "image_files.hpp"
#include "nin/io/hdf5.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"
#include "nin/onnx/onnx_export.hpp"
#include "nin/spec/network_spec.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = nin::hdf5;
using Bytes = std::vector<std::uint8_t>;

void write_bytes(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

std::string text(const Bytes& bytes) {
  return {bytes.begin(), bytes.end()};
}

void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A part of a fuzz input as InputSplitter reads it: 16-bit little-endian length, then the bytes.
void put_part(Bytes& out, const std::string& part) {
  out.push_back(static_cast<std::uint8_t>(part.size() & 0xff));
  out.push_back(static_cast<std::uint8_t>(part.size() >> 8));
  out.insert(out.end(), part.begin(), part.end());
}

std::string gzip(const std::string& data) {
  const fs::path tmp = fs::temp_directory_path() / "nin-make-corpus.gz";
  gzFile file = gzopen(tmp.c_str(), "wb9");
  gzwrite(file, data.data(), static_cast<unsigned>(data.size()));
  gzclose(file);
  std::ifstream in(tmp, std::ios::binary);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(tmp);
  return out;
}

void make_models(const nin::NetworkSpec& spec, const fs::path& out) {
  fs::create_directories(out / "model");
  nin::Network network(spec, 1);
  network.initialize(1);
  nin::ModelInfo info;
  info.normalization.mean.assign(static_cast<std::size_t>(spec.input.channels), 0.5f);
  info.normalization.std.assign(static_cast<std::size_t>(spec.input.channels), 0.25f);
  info.provenance.tool_version = "make_corpus";
  info.provenance.dataset = "none";
  info.provenance.metrics_json = R"({"test_accuracy": 0.5})";
  info.provenance.created = "2026-01-01T00:00:00Z";
  nin::save_model(out / "model" / "model.h5", network, info);
  nin::Checkpoint checkpoint;
  checkpoint.epoch = 1;
  checkpoint.step = 3;
  checkpoint.random_state = network.random_state();
  checkpoint.options_json = R"({"epochs": 2})";
  checkpoint.velocity.assign(network.parameter_values().size(), 0.125f);
  nin::save_model(out / "model" / "checkpoint.h5", network, info, &checkpoint);

  write_bytes(out / "onnx" / "model.onnx", nin::export_onnx(network, info, {}).bytes);
  write_bytes(out / "onnx" / "softmax.onnx",
              nin::export_onnx(network, info, {.softmax = true}).bytes);
}

void make_hdf5_datasets(const fs::path& out) {
  fs::create_directories(out / "hdf5-dataset");
  {
    // Groups per split, bytes NCHW (guessed from 1 channel), int32 labels, class names.
    h5::File file = h5::create_file(out / "hdf5-dataset" / "splits.h5");
    for (const char* split : {"train", "test"}) {
      h5::Group group = h5::create_group(file, split);
      const Bytes images(3 * 1 * 4 * 4, 7);
      const std::uint64_t image_dims[] = {3, 1, 4, 4};
      h5::write_dataset<std::uint8_t>(group, "images", image_dims, images.data());
      const std::int32_t labels[] = {0, 1, 2};
      const std::uint64_t label_dims[] = {3};
      h5::write_dataset<std::int32_t>(group, "labels", label_dims, labels);
    }
    h5::write_string_array_attribute(file, "class_names", std::vector<std::string>{"a", "b", "c"});
    h5::close_file(file);
  }
  {
    // Root-level float images in NHWC, said by the attribute, int64 labels.
    h5::File file = h5::create_file(out / "hdf5-dataset" / "root-nhwc.h5");
    const std::vector<float> images(2 * 3 * 3 * 2, 0.5f);
    const std::uint64_t image_dims[] = {2, 3, 3, 2};
    h5::write_dataset<float>(file, "images", image_dims, images.data());
    {
      h5::Dataset dataset = h5::open_dataset(file, "images");
      h5::write_string_attribute(dataset, "layout", "NHWC");
    }
    const std::int64_t labels[] = {1, 0};
    const std::uint64_t label_dims[] = {2};
    h5::write_dataset<std::int64_t>(file, "labels", label_dims, labels);
    h5::close_file(file);
  }
}

// IDX seeds in idx_fuzz.cpp's layout: flags, limit, class names, labels file, images file.
void make_idx(const fs::path& out) {
  const std::uint32_t count = 4, rows = 5, cols = 6;
  Bytes labels, images;
  put_be32(labels, 0x00000801);
  put_be32(labels, count);
  for (std::uint32_t i = 0; i < count; ++i) labels.push_back(static_cast<std::uint8_t>(i % 3));
  put_be32(images, 0x00000803);
  put_be32(images, count);
  put_be32(images, rows);
  put_be32(images, cols);
  for (std::uint32_t i = 0; i < count * rows * cols; ++i)
    images.push_back(static_cast<std::uint8_t>(i));

  Bytes plain{0, 0};
  put_part(plain, "");
  put_part(plain, text(labels));
  plain.insert(plain.end(), images.begin(), images.end());
  write_bytes(out / "idx" / "plain", text(plain));

  // Test split, limit 2, class names, both files gzip-compressed.
  Bytes gz{1 | 2, 2};
  put_part(gz, "zero\none\ntwo\n");
  put_part(gz, gzip(text(labels)));
  const std::string images_gz = gzip(text(images));
  gz.insert(gz.end(), images_gz.begin(), images_gz.end());
  write_bytes(out / "idx" / "gzip-test-limit-names", text(gz));
}

// CIFAR seeds in cifar_fuzz.cpp's layout: flags, limit, class names, records.
void make_cifar(const fs::path& out) {
  const auto records = [](int label_bytes, int count) {
    std::string data;
    for (int r = 0; r < count; ++r) {
      for (int b = 0; b < label_bytes; ++b) data.push_back(static_cast<char>(r + b));
      data.append(3072, static_cast<char>(10 * r));
    }
    return data;
  };
  Bytes cifar10{4, 0};
  put_part(cifar10, "");
  const std::string r10 = records(1, 2);
  cifar10.insert(cifar10.end(), r10.begin(), r10.end());
  write_bytes(out / "cifar" / "cifar10-test", text(cifar10));

  // CIFAR-100 train split, coarse labels, limit 1, names.
  Bytes cifar100{1 | 2 | 8, 1};
  std::string names;
  for (int i = 0; i < 20; ++i) names += "class" + std::to_string(i) + "\n";
  put_part(cifar100, names);
  const std::string r100 = records(2, 2);
  cifar100.insert(cifar100.end(), r100.begin(), r100.end());
  write_bytes(out / "cifar" / "cifar100-train-coarse", text(cifar100));
}

// Image seeds in image_fuzz.cpp's layout: flags, target height and width, the file. Small PNGs
// of every colour type and bit depth the readers convert, and baseline and progressive JPEGs.
void make_images(const fs::path& out) {
  const auto pixels = [](int width, int height, int channels) {
    Bytes p;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        for (int c = 0; c < channels; ++c)
          p.push_back(static_cast<std::uint8_t>(x * 29 + y * 13 + c * 70 + (x * y) % 7 * 9));
    return p;
  };
  const auto seed = [&](const std::string& name, std::uint8_t flags, const Bytes& file) {
    Bytes input{flags, 5, 7};
    input.insert(input.end(), file.begin(), file.end());
    write_bytes(out / "image" / name, text(input));
  };
  namespace t = nin::test;
  seed("gray.png", 0, t::encode_png(pixels(9, 7, 1), 9, 7, 1));
  seed("gray-alpha.png", 1, t::encode_png(pixels(6, 6, 2), 6, 6, 2));
  seed("rgb.png", 0, t::encode_png(pixels(8, 5, 3), 8, 5, 3));
  seed("rgba.png", 1, t::encode_png(pixels(5, 8, 4), 5, 8, 4));
  const std::vector<std::uint16_t> deep = {0, 1000, 30000, 65535, 12345, 54321};
  seed("linear16.png", 0, t::encode_png16_linear(deep, 3, 2, 1));
  Bytes samples;
  for (const auto v : deep)
    samples.insert(samples.end(),
                   {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
  seed("gray16-no-gamma.png", 0, t::raw_png(2, 3, 16, 0, samples));
  seed("gray4.png", 0, t::raw_png(4, 2, 4, 0, Bytes{0x12, 0x34, 0xab, 0xcd}));
  const Bytes palette = {0, 0, 0, 255, 0, 0, 0, 255, 0, 10, 20, 30};
  seed("palette2.png", 1, t::raw_png(5, 2, 2, 3, Bytes{0x1b, 0x00, 0xe4, 0x40}, palette));
  seed("gray.jpg", 0, t::encode_jpeg(pixels(16, 16, 1), 16, 16, 1, 90));
  seed("progressive.jpg", 0, t::encode_jpeg(pixels(24, 16, 3), 24, 16, 3, 85, true));
  seed("rgb.jpg", 1, t::encode_jpeg(pixels(17, 9, 3), 17, 9, 3, 80));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_corpus SPEC.json OUT_DIR\n";
    return 2;
  }
  try {
    const fs::path out = argv[2];
    make_models(nin::load_network_spec(argv[1]), out);
    make_hdf5_datasets(out);
    make_idx(out);
    make_cifar(out);
    make_images(out);
  } catch (const std::exception& e) {
    std::cerr << "make_corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
