#pragma once
// The HDF5 model file: a network spec with its trained parameters, input normalisation and
// provenance; a checkpoint adds the optimiser and training-loop state. The schema is documented
// in README.md ("Model files"). Files are written to a temporary name and renamed, so a reader
// (or a crash) never sees a half-written file.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

inline constexpr const char* kModelFormatName = "nin-model";
inline constexpr std::int64_t kModelFormatVersion = 1;

// Per input channel, applied as (pixel − mean) / std; empty vectors mean no normalisation.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
};

struct Provenance {
  std::string tool_version;  // e.g. "nin-train 0.1.0"
  std::string dataset;       // what the model was trained on (path and format)
  std::int64_t epochs = 0;
  std::uint64_t seed = 0;
  std::string metrics_json;  // final metrics as a JSON object, e.g. {"test_accuracy": 0.91}
  std::string created;       // ISO 8601 UTC time, filled by save_model when empty
};

struct ModelInfo {
  Normalization normalization;
  Provenance provenance;
};

// Everything a resumed run needs besides the parameters.
struct Checkpoint {
  std::int64_t epoch = 0;          // completed epochs
  std::int64_t step = 0;           // SGD steps taken in all
  std::int64_t step_in_epoch = 0;  // steps taken in the current (incomplete) epoch
  double best_accuracy = -1.0;     // best validation accuracy so far (−1: none yet)
  // Training loss and accuracy of the current epoch's steps so far, so that a run resumed within
  // an epoch reports the whole epoch (absent in older checkpoints: read as 0).
  double epoch_loss_sum = 0.0;
  std::int64_t epoch_correct = 0, epoch_seen = 0;
  std::vector<std::uint64_t> random_state;  // Network::random_state()
  std::string options_json;                 // the training recipe, to resume with the same one
  std::vector<float> velocity;              // SGD momentum, in Network::parameter_values() order
};

// Writes `network`'s parameters and state (running statistics), its spec, `info` and, when given,
// the checkpoint, atomically (nin/io/atomic_file.hpp).
// Throws IoError naming the path when it cannot be written.
void save_model(const std::filesystem::path& path, Network& network, const ModelInfo& info,
                const Checkpoint* checkpoint = nullptr);

class ModelReader {
 public:
  // Opens the file and reads its spec and metadata; throws IoError (cannot open), FormatError
  // (not HDF5, not a nin model, unsupported version, malformed attribute) naming the path.
  explicit ModelReader(const std::filesystem::path& path);
  ~ModelReader();
  ModelReader(const ModelReader&) = delete;
  ModelReader& operator=(const ModelReader&) = delete;

  const NetworkSpec& spec() const { return spec_; }
  const ModelInfo& info() const { return info_; }
  bool has_checkpoint() const;

  // Reads every parameter and state tensor into `network` (built from spec()), checking each
  // dataset's type and shape first; throws FormatError naming the layer and dataset.
  void read_parameters(Network& network) const;

  // Reads the checkpoint group (velocity checked like the parameters, random_state one entry per
  // dropout layer); throws FormatError when the file has none or it does not fit. The network only
  // supplies the layout: its values and random state are left alone (see read_parameters and
  // Network::set_random_state).
  Checkpoint read_checkpoint(Network& network) const;

 private:
  struct File;
  std::filesystem::path path_;
  std::unique_ptr<File> file_;
  NetworkSpec spec_;
  ModelInfo info_;
};

}  // namespace nin
