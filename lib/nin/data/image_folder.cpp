#include "nin/data/image_folder.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/core/strict_json.hpp"
#include "nin/data/image_codec.hpp"
#include "nin/data/image_resize.hpp"
#include "nin/data/reader_support.hpp"

namespace nin {

namespace fs = std::filesystem;
using data_internal::quoted;

namespace {

bool is_hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

bool is_folder(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);  // follows symbolic links
}

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Throws IoError naming `path` when `ec` holds an error, unless the listing is lenient.
void check_listing(const std::error_code& ec, const fs::path& path, bool strict) {
  if (ec && strict) throw IoError(quoted(path) + ": cannot list: " + ec.message());
}

// The names of the class folders in `root`, in byte order.
std::vector<std::string> class_folders(const fs::path& root, bool strict) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (!is_hidden(it->path()) && is_folder(it->path()))
      names.push_back(it->path().filename().string());
  check_listing(ec, root, strict);
  std::sort(names.begin(), names.end());  // std::string compares bytes as unsigned char
  return names;
}

// The image files under `folder`, in byte order of their paths relative to it.
std::vector<fs::path> images_under(const fs::path& folder, bool strict) {
  std::vector<std::string> relative;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code status_ec;
    if (is_hidden(path)) {
      if (it->is_directory(status_ec)) it.disable_recursion_pending();
      continue;
    }
    // Directories are walked (links to them are not followed: the iterator does not enter
    // them and they are no image). Anything else with an image's name is one, so that a FIFO
    // or a broken link is reported rather than silently left out.
    if (it->is_directory(status_ec) || !has_image_extension(path)) continue;
    relative.push_back(path.lexically_relative(folder).string());
  }
  check_listing(ec, folder, strict);
  std::sort(relative.begin(), relative.end());
  std::vector<fs::path> files;
  files.reserve(relative.size());
  for (const auto& name : relative) files.push_back(folder / name);
  return files;
}

// "cat, dog, ..." for messages, at most `shown` names.
std::string name_list(const std::vector<std::string>& names, std::size_t shown = 8) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > shown) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return text;
}

void check_image_shape(const fs::path& dir, const Shape& shape) {
  if (shape.channels == 0 && shape.height == 0 && shape.width == 0)
    throw UsageError(quoted(dir) +
                     ": an image folder needs the network's input size (HxWxC) to convert its "
                     "images to");
  if (shape.channels != 1 && shape.channels != 3)
    throw UsageError(quoted(dir) +
                     ": images give 1 (gray) or 3 (RGB) channels, but the input has " +
                     std::to_string(shape.channels));
  if (shape.height < 1 || shape.width < 1 || shape.elements() > data_internal::kMaxImageElements)
    throw UsageError(quoted(dir) + ": input size " + std::to_string(shape.height) + "x" +
                     std::to_string(shape.width) + "x" + std::to_string(shape.channels) +
                     " is out of range (1 to " + std::to_string(data_internal::kMaxImageElements) +
                     " values)");
}

// The one line reported for a skipped file: its error with "skipped: " after the file's name.
std::string skipped_line(const fs::path& file, const std::string& error) {
  const std::string prefix = quoted(file) + ": ";
  if (error.compare(0, prefix.size(), prefix) == 0)
    return prefix + "skipped: " + error.substr(prefix.size());
  return prefix + "skipped: " + error;
}

struct Listing {
  fs::path split_dir;
  std::vector<std::string> class_names;
  std::vector<fs::path> files;
  std::vector<std::int32_t> labels;
};

Listing list_split(const fs::path& dir, Split split) {
  Listing listing;
  const char* split_name = split == Split::train ? "train" : "test";
  fs::path class_root = dir;
  listing.split_dir = dir;
  if (image_folder_has_splits(dir)) {
    listing.split_dir = dir / split_name;
    if (!is_folder(listing.split_dir))
      throw IoError(quoted(dir) + ": no " + split_name + "/ folder for the " + split_name +
                    " split (the folder has " + (split == Split::train ? "test/" : "train/") +
                    " only)");
    class_root = is_folder(dir / "train") ? dir / "train" : listing.split_dir;
  }
  listing.class_names = class_folders(class_root, true);
  for (const auto& name : listing.class_names)
    if (!is_valid_utf8(name))
      throw FormatError(quoted(class_root / name) +
                        ": a class folder whose name is not UTF-8; class names are text in model "
                        "files and JSON output: rename it");
  if (listing.class_names.empty())
    throw FormatError(quoted(class_root) + ": no class folders (expected " +
                      (class_root / "<class>/<image>.png").string() + " or .jpg)");
  if (static_cast<std::int64_t>(listing.class_names.size()) > data_internal::kMaxClasses)
    throw FormatError(quoted(class_root) + ": " + std::to_string(listing.class_names.size()) +
                      " class folders, more than nin's limit of " +
                      std::to_string(data_internal::kMaxClasses));

  std::vector<std::string> folders = listing.class_names;
  if (listing.split_dir != class_root) {
    folders = class_folders(listing.split_dir, true);
    for (const auto& name : folders)
      if (!std::binary_search(listing.class_names.begin(), listing.class_names.end(), name))
        throw FormatError(quoted(listing.split_dir / name) +
                          ": a class folder that the train split does not have (its classes: " +
                          name_list(listing.class_names) + ")");
  }
  std::vector<fs::path> empty_folders;
  for (const auto& name : folders) {
    const auto label =
        std::lower_bound(listing.class_names.begin(), listing.class_names.end(), name) -
        listing.class_names.begin();
    const auto files = images_under(listing.split_dir / name, true);
    if (files.empty()) empty_folders.push_back(listing.split_dir / name);
    listing.files.insert(listing.files.end(), files.begin(), files.end());
    listing.labels.insert(listing.labels.end(), files.size(), static_cast<std::int32_t>(label));
    if (static_cast<std::int64_t>(listing.files.size()) > data_internal::kMaxImages)
      throw FormatError(quoted(listing.split_dir) + ": more than nin's limit of " +
                        std::to_string(data_internal::kMaxImages) + " images");
  }
  if (listing.files.empty())
    throw FormatError(quoted(listing.split_dir) +
                      ": no images (*.png, *.jpg, *.jpeg) in its class folders");
  if (!empty_folders.empty())
    throw FormatError(quoted(empty_folders.front()) +
                      ": a class folder without images (*.png, *.jpg, *.jpeg); add some or remove "
                      "it, since the classes after it would change their labels");
  return listing;
}

}  // namespace

bool image_folder_has_splits(const fs::path& dir) {
  return is_folder(dir / "train") || is_folder(dir / "test");
}

bool is_image_folder(const fs::path& dir) {
  return is_folder(dir) && (image_folder_has_splits(dir) || !class_folders(dir, false).empty());
}

std::vector<fs::path> image_folder_files(const fs::path& dir) {
  std::vector<fs::path> roots = {dir};
  if (image_folder_has_splits(dir)) roots = {dir / "train", dir / "test"};
  std::vector<fs::path> files;
  for (const auto& root : roots)
    for (const auto& name : class_folders(root, false)) {
      auto found = images_under(root / name, false);
      files.insert(files.end(), found.begin(), found.end());
    }
  return files;
}

Dataset read_image_folder(const fs::path& dir, const DataOptions& options) {
  const Shape& shape = options.image_shape;
  check_image_shape(dir, shape);
  if (options.limit < 0)
    throw UsageError("data set limit " + std::to_string(options.limit) +
                     ": expected 0 (all images) or a positive count");
  Listing listing = list_split(dir, options.split);
  const auto total = static_cast<std::int64_t>(listing.files.size());
  const std::int64_t count = options.limit > 0 ? std::min(total, options.limit) : total;
  const std::int64_t elements = shape.elements();
  const auto bytes = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(elements);
  if (bytes > data_internal::kMaxDatasetBytes)
    throw FormatError(quoted(listing.split_dir) + ": " + std::to_string(count) + " images of " +
                      std::to_string(shape.height) + "x" + std::to_string(shape.width) + "x" +
                      std::to_string(shape.channels) + " (" + data_internal::byte_text(bytes) +
                      ") are more than the " +
                      data_internal::byte_text(data_internal::kMaxDatasetBytes) +
                      " a data set may take");

  Dataset data;
  data.shape = shape;
  data.classes = static_cast<std::int64_t>(listing.class_names.size());
  data.class_names = std::move(listing.class_names);
  data.format = "images";
  data.source = listing.split_dir.string();
  data.bytes.resize(static_cast<std::size_t>(bytes));
  data.labels.assign(listing.labels.begin(), listing.labels.begin() + count);

  // Blocks of images in sample order: progress, warnings and the first error are handled on
  // this thread between blocks, in order, so they do not depend on the threads' timing.
  const std::int64_t block = 64 * std::max(1, max_threads());
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::min(block, count)));
  std::vector<char> bad(static_cast<std::size_t>(count), 0);
  for (std::int64_t begin = 0; begin < count; begin += block) {
    const std::int64_t end = std::min(count, begin + block);
    std::fill(errors.begin(), errors.end(), nullptr);
    parallel_for(end - begin, [&](std::int64_t k) {
      const std::int64_t i = begin + k;
      try {
        const DecodedImage image =
            read_image_file(listing.files[static_cast<std::size_t>(i)], shape.channels);
        image_to_input(image, shape, options.center_crop,
                       {data.bytes.data() + i * elements, static_cast<std::size_t>(elements)});
      } catch (const IoError&) {
        errors[static_cast<std::size_t>(k)] = std::current_exception();
      } catch (const FormatError&) {
        errors[static_cast<std::size_t>(k)] = std::current_exception();
      }
    });
    for (std::int64_t i = begin; i < end; ++i) {
      const auto& error = errors[static_cast<std::size_t>(i - begin)];
      if (!error) continue;
      if (!options.skip_bad_images) std::rethrow_exception(error);
      bad[static_cast<std::size_t>(i)] = 1;
      ++data.skipped;
      if (options.warning) {
        try {
          std::rethrow_exception(error);
        } catch (const Error& e) {
          options.warning(skipped_line(listing.files[static_cast<std::size_t>(i)], e.what()));
        }
      }
    }
    if (options.progress) options.progress(end, count);
  }

  if (data.skipped > 0) {
    if (data.skipped == count)
      throw FormatError(quoted(listing.split_dir) + ": none of its " + std::to_string(count) +
                        " images could be read (all were skipped)");
    std::int64_t kept = 0;
    for (std::int64_t i = 0; i < count; ++i) {
      if (bad[static_cast<std::size_t>(i)]) continue;
      if (kept != i) {
        std::memmove(data.bytes.data() + kept * elements, data.bytes.data() + i * elements,
                     static_cast<std::size_t>(elements));
        data.labels[static_cast<std::size_t>(kept)] = data.labels[static_cast<std::size_t>(i)];
      }
      ++kept;
    }
    data.bytes.resize(static_cast<std::size_t>(kept * elements));
    data.bytes.shrink_to_fit();
    data.labels.resize(static_cast<std::size_t>(kept));
  }
  return data;
}

bool image_folder_has_split(const fs::path& dir, Split split) {
  return !image_folder_has_splits(dir) ||
         is_folder(dir / (split == Split::train ? "train" : "test"));
}

bool adopt_class_order(Dataset& data, const std::vector<std::string>& names, bool subset) {
  if (data.format != "images" || names.empty()) return false;
  if (subset ? names.size() < data.class_names.size() : names.size() != data.class_names.size())
    return false;
  const auto folder_name = [](std::string name) {
    std::replace(name.begin(), name.end(), '/', '-');
    return name;
  };
  // Each folder's class: the one whose name it is; two classes of one folder name are ambiguous.
  std::vector<std::int32_t> label_of(data.class_names.size(), -1);
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto found =
        std::find(data.class_names.begin(), data.class_names.end(), folder_name(names[k]));
    if (found == data.class_names.end()) continue;
    const auto folder = static_cast<std::size_t>(found - data.class_names.begin());
    if (label_of[folder] >= 0) return false;
    label_of[folder] = static_cast<std::int32_t>(k);
  }
  if (std::find(label_of.begin(), label_of.end(), -1) != label_of.end()) return false;
  for (auto& label : data.labels) label = label_of[static_cast<std::size_t>(label)];
  data.class_names = names;
  data.classes = static_cast<std::int64_t>(names.size());
  return true;
}

}  // namespace nin
