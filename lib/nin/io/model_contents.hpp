#pragma once
// A model as plain values — spec, parameters, running statistics, normalisation, provenance and,
// for a checkpoint, the training state — apart from any file format. Readers of untrusted files
// produce it in a sandboxed child (nin/isolation/sandbox.hpp) and hand it over as bytes; the
// parent decodes it and builds its network from it, checking every size again.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nin/io/model_file.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

struct ModelContents {
  NetworkSpec spec;
  ModelInfo info;
  std::vector<float> parameters;          // in Network::parameter_values() order
  std::vector<std::vector<float>> state;  // one per Network::state() tensor, in order
  bool has_checkpoint = false;            // the file holds a training state
  std::optional<Checkpoint> checkpoint;   // when it was asked for
  std::vector<std::string> notes;         // what an import left out or assumed

  // A network for `max_batch` images holding these values; throws FormatError naming `source`
  // when they do not fit the spec.
  std::unique_ptr<Network> build_network(std::int64_t max_batch, NetworkUse use) const;
  // The same into a network built from this spec: its parameters and running statistics.
  void copy_into(Network& network) const;
};

// What to read of a model file.
enum class ModelParts { spec, parameters, checkpoint };

// The values of `network` (built from its spec) with `info`.
ModelContents contents_of(Network& network, const ModelInfo& info);

std::string encode_model_contents(const ModelContents& contents);
// Decodes what encode_model_contents wrote; the spec is parsed again from its text. Throws
// FormatError naming `source` on anything inconsistent.
ModelContents decode_model_contents(std::string_view bytes, const std::filesystem::path& source);

// Runs `read` in a sandbox when sandbox_enabled() (`reader` names the parser in messages), else in
// this process; either way the contents come back through build_network's checks.
ModelContents read_model_isolated(const std::filesystem::path& path, std::string_view reader,
                                  const std::function<ModelContents()>& read);

// Reads nin's HDF5 model file (see ModelReader), isolated.
ModelContents read_model_file(const std::filesystem::path& path, ModelParts parts);

}  // namespace nin
