#include "nin/io/output_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "nin/core/error.hpp"

namespace nin {

namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

std::string describe(std::string_view option, const fs::path& path) {
  return option.empty() ? quoted(path) : std::string(option) + " " + quoted(path);
}

const char* kind_of(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

// What decides whether two names are one file: the normalised absolute path (also for names
// that do not exist yet) and, for an existing file, its device and inode.
struct Identity {
  fs::path normal;
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
};

Identity identity_of(const fs::path& path) {
  Identity id;
  std::error_code ec;
  // Absolute first: weakly_canonical leaves a relative name that does not exist relative.
  const fs::path absolute = fs::absolute(path, ec);
  id.normal = fs::weakly_canonical(absolute, ec);
  if (ec) id.normal = absolute.lexically_normal();
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) {
    id.exists = true;
    id.device = status.st_dev;
    id.inode = status.st_ino;
  }
  return id;
}

bool same_file(const Identity& a, const Identity& b) {
  return a.normal == b.normal ||
         (a.exists && b.exists && a.device == b.device && a.inode == b.inode);
}

}  // namespace

void check_replaceable(const fs::path& path, std::string_view option) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return;  // a new name: nothing to destroy
  if (S_ISREG(status.st_mode)) return;
  const std::string target = describe(option, path);
  if (S_ISLNK(status.st_mode))
    throw IoError(target +
                  ": is a symbolic link; give the target's path (nin replaces the files it writes, "
                  "which would replace the link, not its target)");
  if (S_ISDIR(status.st_mode)) throw IoError(target + ": is a directory, expected a file name");
  throw IoError(target + ": not a regular file (" + kind_of(status.st_mode) +
                "); nin writes models to regular files only");
}

void check_output_path(const fs::path& path, std::string_view option) {
  const std::string target = describe(option, path);
  const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  const auto status = fs::status(directory, ec);
  if (!fs::exists(status))
    throw IoError(target + ": cannot create: no such directory " + quoted(directory));
  if (!fs::is_directory(status))
    throw IoError(target + ": cannot create: " + quoted(directory) + " is not a directory");
  check_replaceable(path, option);
  if (::access(directory.c_str(), W_OK) != 0)
    throw IoError(target + ": cannot create: " + std::strerror(errno));
}

void check_distinct_files(std::span<const NamedFile> outputs, std::span<const NamedFile> inputs) {
  std::vector<Identity> written;
  for (const NamedFile& output : outputs) {
    const Identity id = identity_of(output.path);
    for (std::size_t i = 0; i < written.size(); ++i)
      if (same_file(id, written[i]))
        throw UsageError(describe(output.option, output.path) + ": the same file as " +
                         describe(outputs[i].option, outputs[i].path) +
                         "; each output needs a file of its own");
    written.push_back(id);
  }
  for (const NamedFile& input : inputs) {
    const Identity read = identity_of(input.path);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const bool continued = !input.continued_by.empty() && input.continued_by == outputs[i].option;
      if (continued || !same_file(written[i], read)) continue;
      throw UsageError(describe(outputs[i].option, outputs[i].path) + ": the same file as " +
                       describe(input.option, input.path) +
                       "; nin never writes over its inputs, give another name");
    }
  }
}

}  // namespace nin
