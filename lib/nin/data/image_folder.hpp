#pragma once
// A folder of users' own PNG and JPEG images as a data set, in the layout of torchvision's
// ImageFolder: one folder per class, named after it.
//
//   DIR/train/<class>/.../<image>   and   DIR/test/<class>/.../<image>    (the split layout)
//   DIR/<class>/.../<image>                                             (the flat layout)
//
// - The split layout is chosen when DIR has a train/ or test/ folder; other folders beside them
//   (val/, ...) are ignored. A flat folder is the same whole folder for either split (a trainer
//   holds out its own validation images from it).
// - Classes are the class folders' names in byte order, labels their indices. With both splits,
//   the classes are the train split's; a test class folder that is not among them is an error.
//   A class folder without images is an error too, since every later label would shift by one.
// - Images are the files named *.png, *.jpg or *.jpeg (any case) anywhere under a class folder,
//   in byte order of their paths within it; the sample order is class by class. Names starting
//   with '.' (files and folders) and other extensions are ignored, and so is anything directly
//   in DIR (or in train/, test/). Symbolic links to class folders and to files are followed,
//   links to folders inside a class folder are not (no loops).
// - DataOptions::limit keeps the first N images of that order (N files, before any is skipped).
// - Each image is decoded once (image_codec.hpp) to options.image_shape's channels and converted
//   to its height and width (image_resize.hpp) straight into the data set's buffer, in parallel.
// - A file that cannot be read is an error naming it: the first such file in sample order,
//   whatever the thread count. With DataOptions::skip_bad_images such files are dropped instead
//   (the others keep their order), each reported through DataOptions::warning as
//   "'DIR/train/cat/x.jpg': skipped: JPEG: ...", and counted in Dataset::skipped.
//
// These decoders are not run in nin's sandbox: see image_codec.hpp.

#include <filesystem>
#include <vector>

#include "nin/data/dataset.hpp"

namespace nin {

// Whether `dir` has a train/ or test/ folder (the split layout). A trainer needs a held-out
// validation split for a folder without them.
bool image_folder_has_splits(const std::filesystem::path& dir);

// Whether `dir` is laid out as an image folder: it has train/ or test/, or a class folder (a
// subfolder whose name does not start with '.'). Its images are not looked at.
bool is_image_folder(const std::filesystem::path& dir);

// Reads one split (options.split) of the image folder `dir` (format "images"). Throws UsageError
// without a valid options.image_shape (1 or 3 channels), IoError / FormatError naming the folder
// or file at fault.
Dataset read_image_folder(const std::filesystem::path& dir, const DataOptions& options);

// Every image file of both splits (for a flat folder: of the folder), for dataset_files. Folders
// that cannot be listed are left out rather than reported; reading them will report them.
std::vector<std::filesystem::path> image_folder_files(const std::filesystem::path& dir);

// Whether `dir` has the folder of `split`; a folder without train/ and test/ serves both.
bool image_folder_has_split(const std::filesystem::path& dir, Split split);

// Relabels an image folder's data set by the classes `names` (a model's), matched by name: a '/'
// in a class name matches a '-' in a folder name, which cannot hold one ("T-shirt/top" and
// "T-shirt-top"). Folders sort by name, a model's classes need not, so without this a model's
// classes would be scored under other labels. The class folders must be exactly those classes,
// or with `subset` any of them (the data set then has all of `names` as its classes). Returns
// whether it relabelled; otherwise the data set is left as it is.
bool adopt_class_order(Dataset& data, const std::vector<std::string>& names, bool subset = false);

}  // namespace nin
