// Makes image folders and image files for the black-box tests from IDX data (Fashion-MNIST):
//   image_fixture folder IDX_DIR OUT_DIR --train N --test M [--flat] [--numbered-classes]
//                 [--jpeg-every K] [--rgb-every K] [--resize-every K] [--size HxW]
//       writes the first N train and M test images as OUT_DIR/train/<class>/<index>.png and
//       OUT_DIR/test/... (with --flat: the N train images as OUT_DIR/<class>/<index>.png). Class
//       folders are the data set's class names with '/' made '-' ("T-shirt-top"), so they sort
//       differently from the IDX labels; --numbered-classes prefixes each with its label
//       ("0-T-shirt-top") to keep the IDX order. Indices count in IDX order, zero-padded to 5
//       digits. Images are gray 8-bit PNGs, exact copies, except every K-th (counting from 1):
//       a JPEG (quality 90), an RGB PNG (gray repeated), or resized to 40×36 (W×H); --size
//       resizes every image to H×W (nin's resize filter). A class none of the first N (M) images
//       has gets no folder, so the labels of the classes after it shift: take enough images.
//   image_fixture bad KIND OUT_FILE
//       truncated-jpeg  a 64×64 JPEG cut in the middle of its scan data
//       bad-crc-png     a 28×28 gray PNG whose IDAT checksum is wrong
//       text-png        a text file
//       tiny            a 1×1 gray PNG (value 128)
//       huge-header     a PNG signature and an IHDR claiming 20000×20000 (correct CRC), no more
//   image_fixture files IDX_DIR OUT_DIR N
//       writes the first N test images as OUT_DIR/0000.png, 0001.png, ... (gray 8-bit PNGs).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "image_files.hpp"
#include "nin/data/dataset.hpp"
#include "nin/data/image_codec.hpp"
#include "nin/data/image_resize.hpp"

namespace {

namespace fs = std::filesystem;
using nin::test::ImageBytes;

struct FolderOptions {
  std::int64_t train = 0, test = 0;
  std::int64_t jpeg_every = 0, rgb_every = 0, resize_every = 0;
  std::int64_t height = 0, width = 0;  // --size
  bool flat = false, numbered = false;
};

bool every(std::int64_t k, std::int64_t index) {
  return k > 0 && (index + 1) % k == 0;
}

std::string padded(std::int64_t value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*lld", digits, static_cast<long long>(value));
  return text;
}

std::string folder_name(const nin::Dataset& data, std::int32_t label, bool numbered) {
  std::string name = data.class_names[static_cast<std::size_t>(label)];
  for (char& c : name)
    if (c == '/') c = '-';
  if (!numbered) return name;
  const int digits = static_cast<int>(std::to_string(data.classes - 1).size());
  return padded(label, digits) + "-" + name;
}

// Gray pixels of one h×w image resized to height×width (nin's filter; gray HWC is CHW).
ImageBytes resized(const std::uint8_t* gray, std::int64_t h, std::int64_t w, std::int64_t height,
                   std::int64_t width) {
  const nin::DecodedImage image{w, h, 1, ImageBytes(gray, gray + h * w)};
  ImageBytes out(static_cast<std::size_t>(height * width));
  nin::image_to_input(image, nin::Shape{1, height, width}, false, out);
  return out;
}

void write_split(const fs::path& idx, nin::Split split, std::int64_t count, const fs::path& out,
                 const FolderOptions& o) {
  if (count == 0) return;
  nin::DataOptions options;
  options.split = split;
  options.limit = count;
  const nin::Dataset data = nin::load_dataset(idx, options);
  const std::int64_t h = data.shape.height, w = data.shape.width;
  if (data.shape.channels != 1) throw std::runtime_error("expected gray IDX images");
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const std::uint8_t* source = data.bytes.data() + i * h * w;
    std::int64_t height = h, width = w;
    ImageBytes gray(source, source + h * w);
    if (o.height > 0) {
      gray = resized(source, h, w, o.height, o.width);
      height = o.height, width = o.width;
    }
    if (every(o.resize_every, i)) {
      gray = resized(gray.data(), height, width, 36, 40);
      height = 36, width = 40;
    }
    std::int64_t channels = 1;
    ImageBytes pixels = gray;
    if (every(o.rgb_every, i)) {
      channels = 3;
      pixels.clear();
      for (const std::uint8_t v : gray) pixels.insert(pixels.end(), {v, v, v});
    }
    const bool jpeg = every(o.jpeg_every, i);
    const fs::path dir =
        out / folder_name(data, data.labels[static_cast<std::size_t>(i)], o.numbered);
    fs::create_directories(dir);
    nin::test::write_image_file(dir / (padded(i, 5) + (jpeg ? ".jpg" : ".png")),
                                jpeg ? nin::test::encode_jpeg(pixels, width, height, channels, 90)
                                     : nin::test::encode_png(pixels, width, height, channels));
  }
}

std::int64_t count_argument(const char* option, const char* text) {
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 0)
    throw std::runtime_error(std::string(option) + ": '" + text + "' is not a count");
  return value;
}

int make_folder(int argc, char** argv) {
  if (argc < 4) throw std::runtime_error("usage: image_fixture folder IDX_DIR OUT_DIR [options]");
  FolderOptions o;
  for (int i = 4; i < argc; ++i) {
    const std::string option = argv[i];
    const auto value = [&] {
      if (i + 1 >= argc) throw std::runtime_error(option + ": missing value");
      return argv[++i];
    };
    if (option == "--flat") {
      o.flat = true;
    } else if (option == "--numbered-classes") {
      o.numbered = true;
    } else if (option == "--train") {
      o.train = count_argument(argv[i], value());
    } else if (option == "--test") {
      o.test = count_argument(argv[i], value());
    } else if (option == "--jpeg-every") {
      o.jpeg_every = count_argument(argv[i], value());
    } else if (option == "--rgb-every") {
      o.rgb_every = count_argument(argv[i], value());
    } else if (option == "--resize-every") {
      o.resize_every = count_argument(argv[i], value());
    } else if (option == "--size") {
      const std::string text = value();
      long long height = 0, width = 0;
      if (std::sscanf(text.c_str(), "%lldx%lld", &height, &width) != 2 || height < 1 || width < 1)
        throw std::runtime_error("--size: '" + text + "' is not HxW");
      o.height = height, o.width = width;
    } else {
      throw std::runtime_error("unknown option '" + option + "'");
    }
  }
  const fs::path idx = argv[2], out = argv[3];
  if (o.flat) {
    write_split(idx, nin::Split::train, o.train, out, o);
  } else {
    write_split(idx, nin::Split::train, o.train, out / "train", o);
    write_split(idx, nin::Split::test, o.test, out / "test", o);
  }
  return 0;
}

// 64×64 gray pixels with fine detail, so that most of a JPEG of them is scan data.
ImageBytes busy_pixels() {
  ImageBytes out(64 * 64);
  std::uint32_t state = 12345;
  for (auto& v : out) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<std::uint8_t>(state >> 24);
  }
  return out;
}

int make_bad(const std::string& kind, const fs::path& out) {
  ImageBytes bytes;
  if (kind == "truncated-jpeg") {
    const ImageBytes jpeg = nin::test::encode_jpeg(busy_pixels(), 64, 64, 1, 90);
    bytes.assign(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  } else if (kind == "bad-crc-png") {
    const ImageBytes busy = busy_pixels();
    const ImageBytes pixels(busy.begin(), busy.begin() + 28 * 28);
    bytes = nin::test::encode_png(pixels, 28, 28, 1);
    nin::test::break_idat_crc(bytes);
  } else if (kind == "text-png") {
    const std::string text = "This is a text file, not an image.\n";
    bytes.assign(text.begin(), text.end());
  } else if (kind == "tiny") {
    bytes = nin::test::encode_png(ImageBytes{128}, 1, 1, 1);
  } else if (kind == "huge-header") {
    bytes = nin::test::png_header(20000, 20000);
  } else {
    throw std::runtime_error("unknown kind '" + kind +
                             "': expected truncated-jpeg, bad-crc-png, text-png, tiny or "
                             "huge-header");
  }
  nin::test::write_image_file(out, bytes);
  return 0;
}

int make_files(const fs::path& idx, const fs::path& out, std::int64_t count) {
  nin::DataOptions options;
  options.split = nin::Split::test;
  options.limit = count;
  const nin::Dataset data = nin::load_dataset(idx, options);
  const std::int64_t h = data.shape.height, w = data.shape.width;
  fs::create_directories(out);
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const std::uint8_t* pixels = data.bytes.data() + i * h * w;
    nin::test::write_image_file(out / (padded(i, 4) + ".png"),
                                nin::test::encode_png({pixels, static_cast<std::size_t>(h * w)}, w,
                                                      h, data.shape.channels));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "folder") return make_folder(argc, argv);
    if (mode == "bad" && argc == 4) return make_bad(argv[2], argv[3]);
    if (mode == "files" && argc == 5 && count_argument("N", argv[4]) > 0)
      return make_files(argv[2], argv[3], count_argument("N", argv[4]));
    std::cerr << "usage: image_fixture folder IDX_DIR OUT_DIR --train N --test M [options]\n"
                 "       image_fixture bad KIND OUT_FILE\n"
                 "       image_fixture files IDX_DIR OUT_DIR N\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "image_fixture: " << e.what() << "\n";
    return 1;
  }
}
