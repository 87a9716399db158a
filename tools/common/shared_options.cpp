#include "common/shared_options.hpp"

namespace nin::cli {

void add_standard_options(OptionTable& table) {
  table.add_switch({.name = "help", .short_name = 'h', .help = "print this help and exit"});
  table.add_switch({.name = "version", .help = "print the version and exit"});
  table.add_switch(
      {.name = "man", .help = "print the manual page (roff) and exit", .hidden = true});
  table.add_switch({.name = "completion-bash",
                    .help = "print a bash completion script and exit",
                    .hidden = true});
}

void add_threads(OptionTable& table, int* threads) {
  table.add({.name = "threads",
             .kind = ValueKind::number,
             .value_name = "N",
             .help = "worker threads (0: $NIN_THREADS or all cores)",
             .range = IntRange{0, kMaxThreadsOption},
             .defaulted = true},
            threads);
}

void add_batch(OptionTable& table, std::int64_t* batch, std::string help, IntRange range) {
  table.add({.name = "batch",
             .kind = ValueKind::number,
             .value_name = "N",
             .help = std::move(help),
             .range = range,
             .defaulted = true},
            batch);
}

void add_format(OptionTable& table, std::string* format, std::initializer_list<Format> allowed,
                std::string what) {
  std::vector<std::string> choices;
  for (const Format f : allowed) choices.emplace_back(format_name(f));
  std::string names;
  for (const auto& choice : choices) names += (names.empty() ? "" : ", ") + choice;
  table.add({.name = "format",
             .kind = ValueKind::choice,
             .value_name = "FORMAT",
             .help = what + ": " + names,
             .choices = choices,
             .defaulted = true},
            format);
}

void add_data(OptionTable& table, std::string* data) {
  table.add({.name = "data",
             .kind = ValueKind::file,
             .value_name = "PATH",
             .help = "data set: IDX/CIFAR directory, image folder or HDF5 file",
             .role = FileRole::data,
             .defaulted = true},
            data);
}

void add_labels(OptionTable& table, std::string* labels) {
  table.add({.name = "labels",
             .kind = ValueKind::choice,
             .value_name = "KIND",
             .help = "CIFAR-100 labels: fine or coarse",
             .choices = {"fine", "coarse"},
             .defaulted = true},
            labels);
}

void add_limit(OptionTable& table, std::int64_t* limit) {
  table.add({.name = "limit",
             .kind = ValueKind::number,
             .value_name = "N",
             .help = "use only the first N images of each split (0: all)",
             .range = IntRange{0, kMaxCountOption},
             .defaulted = true},
            limit);
}

void add_center_crop(OptionTable& table, bool* center_crop) {
  table.add_flag(
      {.name = "center-crop", .help = "images: crop to the network's aspect ratio before resizing"},
      center_crop);
}

void add_skip_bad_images(OptionTable& table, bool* skip_bad_images) {
  table.add_flag({.name = "skip-bad-images",
                  .help = "image folders: skip files that cannot be decoded, with a warning each"},
                 skip_bad_images);
}

void add_class_names(OptionTable& table, std::string* file, std::string help) {
  table.add({.name = "class-names",
             .kind = ValueKind::file,
             .value_name = "FILE",
             .help = std::move(help),
             .role = FileRole::class_names},
            file);
}

}  // namespace nin::cli
