#include "common/data_loading.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "common/cli.hpp"
#include "nin/data/image_folder.hpp"

namespace nin::cli {

Dataset load_data(std::string_view tool, const std::filesystem::path& path, DataOptions options,
                  bool quiet) {
  const bool terminal = !quiet && isatty(STDERR_FILENO) == 1;
  std::mutex lock;
  auto last = std::chrono::steady_clock::now();
  bool drawn = false;
  options.warning = [&](const std::string& message) {
    const std::lock_guard guard(lock);
    if (drawn) std::fputs("\r\033[K", stderr);
    drawn = false;
    std::cerr << tool << ": warning: " << one_line(message) << "\n";
  };
  if (terminal)
    options.progress = [&](std::int64_t done, std::int64_t total) {
      const std::lock_guard guard(lock);
      const auto now = std::chrono::steady_clock::now();
      if (done != total && now - last < std::chrono::milliseconds(200)) return;
      last = now;
      std::fprintf(stderr, "\r\033[K%.*s: decoding images: %lld/%lld",
                   static_cast<int>(tool.size()), tool.data(), static_cast<long long>(done),
                   static_cast<long long>(total));
      drawn = true;
    };
  Dataset data = load_dataset(path, options);
  if (drawn) std::fputs("\r\033[K", stderr);
  if (data.skipped > 0)
    std::cerr << tool << ": '" << path.string() << "': skipped " << data.skipped << " of "
              << data.skipped + data.size() << " images that could not be read\n";
  return data;
}

Dataset load_data_for(std::string_view tool, const std::filesystem::path& path, DataOptions options,
                      const Shape& input, const std::vector<std::string>& class_names, bool subset,
                      bool quiet, bool note) {
  const bool images = is_image_dataset(path);
  if (images) options.image_shape = input;
  Dataset data = load_data(tool, path, options, quiet);
  if (images && !class_names.empty() && !adopt_class_order(data, class_names, subset) && note)
    std::cerr << tool << ": note: '" << path.string()
              << "': its class folders are not the network's classes; labels follow the "
                 "folders' sorted order\n";
  return data;
}

}  // namespace nin::cli
