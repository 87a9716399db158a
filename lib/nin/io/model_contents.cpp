#include "nin/io/model_contents.hpp"

#include <cmath>

#include "nin/core/error.hpp"
#include "nin/io/model_values.hpp"
#include "nin/isolation/sandbox.hpp"
#include "nin/isolation/wire.hpp"

namespace nin {

namespace fs = std::filesystem;

namespace {

std::string in_quotes(const fs::path& path) {
  return "'" + path.string() + "'";
}

void write_checkpoint(wire::Writer& out, const Checkpoint& c) {
  out.i64(c.epoch);
  out.i64(c.step);
  out.i64(c.step_in_epoch);
  out.f64(c.best_accuracy);
  out.f64(c.epoch_loss_sum);
  out.i64(c.epoch_correct);
  out.i64(c.epoch_seen);
  out.array(c.random_state);
  out.string(c.options_json);
  out.array(c.velocity);
}

Checkpoint read_checkpoint(wire::Reader& in) {
  Checkpoint c;
  c.epoch = in.i64();
  c.step = in.i64();
  c.step_in_epoch = in.i64();
  c.best_accuracy = in.f64();
  c.epoch_loss_sum = in.f64();
  c.epoch_correct = in.i64();
  c.epoch_seen = in.i64();
  c.random_state = in.array<std::uint64_t>();
  c.options_json = in.string();
  c.velocity = in.array<float>();
  return c;
}

}  // namespace

ModelContents contents_of(Network& network, const ModelInfo& info) {
  ModelContents contents;
  contents.spec = network.spec();
  contents.info = info;
  const auto values = network.parameter_values();
  contents.parameters.assign(values.begin(), values.end());
  for (const auto& named : network.state()) {
    const StateTensor& s = *named.state;
    contents.state.emplace_back(s.value, s.value + s.size());
  }
  return contents;
}

std::unique_ptr<Network> ModelContents::build_network(std::int64_t max_batch,
                                                      NetworkUse use) const {
  auto network = std::make_unique<Network>(spec, max_batch, use);
  copy_into(*network);
  return network;
}

void ModelContents::copy_into(Network& target) const {
  const std::string q = in_quotes(spec.source);
  Network* network = &target;
  if (network->spec().layers.size() != spec.layers.size() || network->spec().input != spec.input)
    throw FormatError(q + ": the model does not fit the network it is read into");
  const auto values = network->parameter_values();
  if (parameters.size() != values.size())
    throw FormatError(q + ": the model holds " + std::to_string(parameters.size()) +
                      " parameter values, its spec has " + std::to_string(values.size()));
  const auto states = network->state();
  if (state.size() != states.size())
    throw FormatError(q + ": the model holds " + std::to_string(state.size()) +
                      " state tensors, its spec has " + std::to_string(states.size()));
  for (std::size_t i = 0; i < states.size(); ++i)
    if (static_cast<std::int64_t>(state[i].size()) != states[i].state->size())
      throw FormatError(q + ": state '" + states[i].layer + "/" + states[i].state->name +
                        "' holds " + std::to_string(state[i].size()) + " values, expected " +
                        std::to_string(states[i].state->size()));
  const auto channels = static_cast<std::size_t>(spec.input.channels);
  const Normalization& n = info.normalization;
  if (n.mean.size() != n.std.size() || (!n.mean.empty() && n.mean.size() != channels))
    throw FormatError(q + ": the normalisation has " + std::to_string(n.mean.size()) +
                      " means and " + std::to_string(n.std.size()) + " standard deviations for " +
                      std::to_string(channels) + " channels");
  for (std::size_t c = 0; c < n.mean.size(); ++c)
    if (!std::isfinite(n.mean[c]) || !std::isfinite(n.std[c]) || !(n.std[c] > 0))
      throw FormatError(q + ": the normalisation of channel " + std::to_string(c) +
                        " is not a finite mean with a positive standard deviation");
  if (checkpoint) {
    if (checkpoint->velocity.size() != values.size())
      throw FormatError(q + ": the checkpoint's velocity has " +
                        std::to_string(checkpoint->velocity.size()) + " values, expected " +
                        std::to_string(values.size()));
    if (checkpoint->random_state.size() != network->random_state().size())
      throw FormatError(q + ": the checkpoint's random state has " +
                        std::to_string(checkpoint->random_state.size()) + " entries, expected " +
                        std::to_string(network->random_state().size()));
  }
  std::copy(parameters.begin(), parameters.end(), values.begin());
  for (std::size_t i = 0; i < states.size(); ++i)
    std::copy(state[i].begin(), state[i].end(), states[i].state->value);
  // Checked by the reader too; again here, where the values arrive from another process.
  try {
    check_finite_parameters(target, info.normalization);
  } catch (const FormatError& e) {
    throw FormatError(q + ": " + e.what());
  }
}

std::string encode_model_contents(const ModelContents& contents) {
  wire::Writer out;
  out.string(to_json_text(contents.spec));
  const Normalization& n = contents.info.normalization;
  out.array(n.mean);
  out.array(n.std);
  const Provenance& p = contents.info.provenance;
  out.string(p.tool_version);
  out.string(p.dataset);
  out.i64(p.epochs);
  out.u64(p.seed);
  out.string(p.metrics_json);
  out.string(p.created);
  out.array(contents.parameters);
  out.u64(contents.state.size());
  for (const auto& s : contents.state) out.array(s);
  out.boolean(contents.has_checkpoint);
  out.boolean(contents.checkpoint.has_value());
  if (contents.checkpoint) write_checkpoint(out, *contents.checkpoint);
  out.strings(contents.notes);
  return out.take();
}

ModelContents decode_model_contents(std::string_view bytes, const fs::path& source) {
  wire::Reader in(bytes, in_quotes(source));
  ModelContents contents;
  const std::string spec_text = in.string();
  try {
    contents.spec = parse_network_spec(spec_text, source.string());
  } catch (const SpecError& e) {
    throw FormatError(std::string(e.what()) + " (in the model's spec)");
  }
  Normalization& n = contents.info.normalization;
  n.mean = in.array<float>();
  n.std = in.array<float>();
  Provenance& p = contents.info.provenance;
  p.tool_version = in.string();
  p.dataset = in.string();
  p.epochs = in.i64();
  p.seed = in.u64();
  p.metrics_json = in.string();
  p.created = in.string();
  contents.parameters = in.array<float>();
  const std::uint64_t states = in.count(sizeof(std::uint64_t));
  for (std::uint64_t i = 0; i < states; ++i) contents.state.push_back(in.array<float>());
  contents.has_checkpoint = in.boolean();
  if (in.boolean()) contents.checkpoint = read_checkpoint(in);
  contents.notes = in.strings();
  in.finish();
  return contents;
}

ModelContents read_model_isolated(const fs::path& path, std::string_view reader,
                                  const std::function<ModelContents()>& read) {
  if (!sandbox_enabled()) return read();
  const std::string bytes =
      run_sandboxed(path, reader, [&] { return encode_model_contents(read()); });
  return decode_model_contents(bytes, path);
}

ModelContents read_model_file(const fs::path& path, ModelParts parts) {
  return read_model_isolated(path, "HDF5 reader", [&] {
    const ModelReader reader(path);
    ModelContents contents;
    if (parts == ModelParts::spec) {
      contents.spec = reader.spec();
      contents.info = reader.info();
    } else {
      Network network(reader.spec(), 1, NetworkUse::inference);
      reader.read_parameters(network);
      contents = contents_of(network, reader.info());
      if (parts == ModelParts::checkpoint && reader.has_checkpoint())
        contents.checkpoint = reader.read_checkpoint(network);
    }
    contents.has_checkpoint = reader.has_checkpoint();
    return contents;
  });
}

}  // namespace nin
