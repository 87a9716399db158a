#pragma once
// Writing a file so that a reader (or a crash) never sees it half-written: the bytes go to
// "<path>.tmp-<pid>" next to the target, are synced to disk and renamed over the target, and the
// directory is synced. Every file the tools write (HDF5 models, ONNX models) goes through here.

#include <cstddef>
#include <filesystem>
#include <span>

namespace nin {

// Writes `bytes` to `path` as described above. Throws IoError naming the path when it cannot be
// written, or when `path` is anything but a regular file (output_path.hpp), checked again just
// before the rename; a failed write removes the temporary file and leaves an existing file at
// `path` as it was.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);

// Removes leftovers "<path>.tmp-<pid>" of writes whose process died mid-write (kill -9, power
// cut). Temporaries of live processes are left alone.
void remove_stale_temporaries(const std::filesystem::path& path);

}  // namespace nin
