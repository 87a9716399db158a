#pragma once
// Checks of the files a run writes, made before anything is written: an output is a regular file
// (or a new name) in a writable directory, never a device, FIFO, socket, directory or symbolic
// link, never one of the run's inputs and never another of its outputs. Every model and checkpoint
// is replaced by renaming a temporary file over it (atomic_file.hpp), and renaming over anything
// but a regular file would destroy it: /dev/null would become a regular file, a symbolic link
// would become a file while its target stays as it was.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace nin {

// A file named on a command line, with the option that names it, for messages.
struct NamedFile {
  std::string option;  // e.g. "-o", "--data", "INPUT"
  std::filesystem::path path;
  // For an input: the option of the output that may be this very file, because the run reads it
  // whole and then continues it in place (a resumed checkpoint). Empty: no output may be it.
  std::string continued_by = {};
};

// Throws IoError "OPTION 'PATH': ..." unless `path` can be replaced by an atomic write: its
// directory exists and is writable, and `path` is either absent or a regular file. `option` may
// be empty (the message then starts with the path).
void check_output_path(const std::filesystem::path& path, std::string_view option = {});

// Throws IoError when `path` exists and is not a regular file (a symbolic link included); the
// last check before a temporary file is renamed over `path`.
void check_replaceable(const std::filesystem::path& path, std::string_view option = {});

// Throws UsageError when two of `outputs` are the same file, or an output is the same file as one
// of `inputs`: the same path once normalised, or the same device and inode (hard links, symbolic
// links to it). Inputs are the files read (for a data set directory, dataset_files()).
void check_distinct_files(std::span<const NamedFile> outputs, std::span<const NamedFile> inputs);

}  // namespace nin
