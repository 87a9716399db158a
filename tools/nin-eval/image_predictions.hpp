#pragma once
// nin-eval --images: one prediction per image file, in input order, streamed.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"

namespace nin::eval_tool {

struct ImagePredictionOptions {
  cli::Format format = cli::Format::csv;
  std::int64_t top_k = 5;
  bool center_crop = false;  // crop to the network's aspect ratio before resizing
  std::vector<std::string> class_names;
};

// Predicts every file that `paths` names (see PathSource) with `network` (built for batches of up
// to its max_batch()), printing one line per readable file on `out` as soon as its batch is done.
// A file that cannot be read or decoded gets one line on stderr ("TOOL: error: 'file': ...") and no
// output line; returns how many did.
std::int64_t predict_images(std::string_view tool, Network& network,
                            const Normalization& normalization, std::vector<std::string> paths,
                            const ImagePredictionOptions& options, std::ostream& out);

}  // namespace nin::eval_tool
