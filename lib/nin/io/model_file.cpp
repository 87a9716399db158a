#include "nin/io/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <ctime>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/core/strict_json.hpp"
#include "nin/io/atomic_file.hpp"
#include "nin/io/hdf5.hpp"
#include "nin/io/model_values.hpp"
#include "nin/io/output_path.hpp"

namespace nin {

namespace fs = std::filesystem;

namespace {

// Names of the schema (README.md, "Model files").
constexpr const char* kLayersGroup = "layers";
constexpr const char* kNormalizationGroup = "normalization";
constexpr const char* kCheckpointGroup = "checkpoint";
constexpr const char* kVelocityGroup = "checkpoint/velocity";

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

std::string number_text(float value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// One float32 tensor of the file: /<group>/<layer>/<name>, and where its values live in memory.
struct TensorSlot {
  std::string layer;
  std::string name;
  std::vector<std::int64_t> dims;
  float* values = nullptr;
  std::int64_t size() const {
    std::int64_t n = 1;
    for (const auto d : dims) n *= d;
    return n;
  }
};

std::vector<TensorSlot> parameter_slots(Network& network) {
  std::vector<TensorSlot> slots;
  for (const auto& p : network.parameters())
    slots.push_back({p.layer, p.parameter->name, p.parameter->dims, p.parameter->value});
  return slots;
}

std::vector<TensorSlot> parameter_and_state_slots(Network& network) {
  std::vector<TensorSlot> slots = parameter_slots(network);
  for (const auto& s : network.state())
    slots.push_back({s.layer, s.state->name, s.state->dims, s.state->value});
  // Group the tensors of a layer together, in network order (parameters first within a layer).
  std::vector<std::string> order;
  for (const auto& s : slots)
    if (std::find(order.begin(), order.end(), s.layer) == order.end()) order.push_back(s.layer);
  std::stable_sort(slots.begin(), slots.end(), [&](const TensorSlot& a, const TensorSlot& b) {
    return std::find(order.begin(), order.end(), a.layer) <
           std::find(order.begin(), order.end(), b.layer);
  });
  return slots;
}

// The same slots with the values redirected into `velocity` (laid out like parameter_values()).
std::vector<TensorSlot> velocity_slots(Network& network, float* velocity) {
  const float* base = network.parameter_values().data();
  std::vector<TensorSlot> slots = parameter_slots(network);
  for (auto& s : slots) s.values = velocity + (s.values - base);
  return slots;
}

std::vector<std::uint64_t> file_dims(const std::vector<std::int64_t>& dims) {
  return {dims.begin(), dims.end()};
}

// Writes every slot as /<group>/<layer>/<name>.
void write_slots(const hdf5::File& file, const std::string& group,
                 const std::vector<TensorSlot>& slots) {
  hdf5::Group parent = hdf5::create_group(file, group);
  std::string current;
  hdf5::Group layer;
  for (const auto& s : slots) {
    if (!layer || s.layer != current) {
      layer = hdf5::create_group(parent, s.layer);
      current = s.layer;
    }
    hdf5::write_dataset<float>(layer, s.name, file_dims(s.dims), s.values);
  }
}

void write_contents(const hdf5::File& file, Network& network, const ModelInfo& info,
                    const std::string& created, const Checkpoint* checkpoint) {
  const NetworkSpec& spec = network.spec();
  hdf5::write_string_attribute(file, "format", kModelFormatName);
  hdf5::write_int64_attribute(file, "format_version", kModelFormatVersion);
  hdf5::write_string_attribute(file, "spec", to_json_text(spec));
  hdf5::write_string_attribute(file, "class_names", nlohmann::json(spec.class_names).dump());
  const Provenance& p = info.provenance;
  hdf5::write_string_attribute(file, "tool_version", p.tool_version);
  hdf5::write_string_attribute(file, "dataset", p.dataset);
  hdf5::write_int64_attribute(file, "epochs", p.epochs);
  hdf5::write_uint64_attribute(file, "seed", p.seed);
  hdf5::write_string_attribute(file, "metrics", p.metrics_json);
  hdf5::write_string_attribute(file, "created", created);

  const Normalization& n = info.normalization;
  if (!n.mean.empty()) {
    const hdf5::Group group = hdf5::create_group(file, kNormalizationGroup);
    const std::vector<std::uint64_t> dims = {n.mean.size()};
    hdf5::write_dataset<float>(group, "mean", dims, n.mean.data());
    hdf5::write_dataset<float>(group, "std", dims, n.std.data());
  }

  write_slots(file, kLayersGroup, parameter_and_state_slots(network));

  if (checkpoint) {
    const hdf5::Group group = hdf5::create_group(file, kCheckpointGroup);
    hdf5::write_int64_attribute(group, "epoch", checkpoint->epoch);
    hdf5::write_int64_attribute(group, "step", checkpoint->step);
    hdf5::write_int64_attribute(group, "step_in_epoch", checkpoint->step_in_epoch);
    hdf5::write_double_attribute(group, "best_accuracy", checkpoint->best_accuracy);
    hdf5::write_double_attribute(group, "epoch_loss_sum", checkpoint->epoch_loss_sum);
    hdf5::write_int64_attribute(group, "epoch_correct", checkpoint->epoch_correct);
    hdf5::write_int64_attribute(group, "epoch_seen", checkpoint->epoch_seen);
    hdf5::write_uint64_array_attribute(group, "random_state", checkpoint->random_state);
    hdf5::write_string_attribute(group, "options", checkpoint->options_json);
    std::vector<float> velocity = checkpoint->velocity;  // slots point into a mutable buffer
    write_slots(file, kVelocityGroup, velocity_slots(network, velocity.data()));
  }
}

// Refuses to write what ModelReader would refuse to read.
void check_before_saving(const fs::path& path, Network& network, const ModelInfo& info,
                         const Checkpoint* checkpoint) {
  const std::string target = quoted(path);
  const Normalization& n = info.normalization;
  const auto channels = static_cast<std::size_t>(network.spec().input.channels);
  if (n.mean.size() != n.std.size() || (!n.mean.empty() && n.mean.size() != channels))
    throw UsageError(target + ": normalization has " + std::to_string(n.mean.size()) +
                     " means and " + std::to_string(n.std.size()) +
                     " standard deviations, expected " + std::to_string(channels) +
                     " of each (one per input channel) or none");
  for (const float s : n.std)
    if (!(s > 0.0f) || !std::isfinite(s))
      throw UsageError(target + ": normalization standard deviation " + number_text(s) +
                       ", expected a positive number");
  for (const auto& layer : network.spec().layers)
    if (layer.name == "." || layer.name == "..")
      throw UsageError(target + ": a layer named '" + layer.name +
                       "' cannot be stored (HDF5 reserves the name)");
  if (checkpoint && checkpoint->velocity.size() != network.parameter_values().size())
    throw UsageError(target + ": checkpoint velocity has " +
                     std::to_string(checkpoint->velocity.size()) + " values, the network has " +
                     std::to_string(network.parameter_values().size()) + " parameters");
}

// ---- Reading

struct Tensors {
  std::string group;  // "layers" or "checkpoint/velocity"
  std::string label;  // "layer" or "velocity of layer", for messages
};

// Checks every slot's dataset under /<group>/<layer>/<name> (present, float32, expected dims) and
// that nothing else is there, then reads them all; the slots' memory is written only when every
// dataset was read.
void read_slots(const hdf5::File& file, const fs::path& path, const Tensors& where,
                const std::vector<TensorSlot>& slots) {
  const std::string q = quoted(path);
  const std::string root = "/" + where.group;
  const hdf5::Group parent = hdf5::open_group(file, where.group);

  std::vector<std::string> layers;
  for (const auto& s : slots)
    if (std::find(layers.begin(), layers.end(), s.layer) == layers.end()) layers.push_back(s.layer);
  std::string layer_list;
  for (const auto& l : layers) layer_list += (layer_list.empty() ? "" : ", ") + l;
  if (layer_list.empty()) layer_list = "none";
  for (const auto& name : hdf5::link_names(parent))
    if (std::find(layers.begin(), layers.end(), name) == layers.end())
      throw FormatError(q + ": " + root + "/" + name +
                        " is not a layer with parameters in the spec (those are: " + layer_list +
                        ")");

  std::vector<hdf5::Dataset> datasets;
  std::int64_t total = 0;
  for (const auto& layer : layers) {
    const hdf5::Group group = hdf5::open_group(parent, layer);
    std::string expected;
    for (const auto& s : slots)
      if (s.layer == layer) expected += (expected.empty() ? "" : ", ") + s.name;
    for (const auto& name : hdf5::link_names(group)) {
      const bool known = std::any_of(slots.begin(), slots.end(), [&](const TensorSlot& s) {
        return s.layer == layer && s.name == name;
      });
      if (!known)
        throw FormatError(q + ": " + root + "/" + layer + "/" + name +
                          " is not a tensor of layer '" + layer + "' (expected: " + expected + ")");
    }
    for (const auto& s : slots) {
      if (s.layer != layer) continue;
      const std::string dataset_path = root + "/" + layer + "/" + s.name;
      if (hdf5::object_type(group, s.name) != hdf5::ObjectType::dataset)
        throw FormatError(q + ": " + where.label + " '" + layer + "' has no dataset '" + s.name +
                          "'");
      hdf5::Dataset dataset = hdf5::open_dataset(group, s.name);
      const hdf5::DatasetInfo info = hdf5::dataset_info(dataset);
      if (!info.is_float32())
        throw FormatError(q + ": " + dataset_path + " is " + hdf5::type_name(info) +
                          ", expected float32");
      if (info.dims != file_dims(s.dims))
        throw FormatError(q + ": " + dataset_path + " is " + hdf5::dims_text(info.dims) +
                          ", expected " + hdf5::dims_text(s.dims));
      datasets.push_back(std::move(dataset));
      total += s.size();
    }
  }

  // Slots in layer order, matching `datasets`.
  std::vector<const TensorSlot*> ordered;
  for (const auto& layer : layers)
    for (const auto& s : slots)
      if (s.layer == layer) ordered.push_back(&s);
  std::vector<float> staged(static_cast<std::size_t>(total));
  std::size_t offset = 0;
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const auto size = static_cast<std::size_t>(ordered[i]->size());
    hdf5::read_dataset<float>(datasets[i], std::span<float>(staged.data() + offset, size));
    offset += size;
  }
  offset = 0;
  for (const TensorSlot* s : ordered) {
    const auto size = static_cast<std::size_t>(s->size());
    std::copy_n(staged.data() + offset, size, s->values);
    offset += size;
  }
}

// A 1-D float32 dataset of one value per input channel.
std::vector<float> read_per_channel(const hdf5::Group& group, const fs::path& path,
                                    const std::string& name, std::int64_t channels) {
  const std::string q = quoted(path);
  const std::string dataset_path = "/" + std::string(kNormalizationGroup) + "/" + name;
  if (hdf5::object_type(group, name) != hdf5::ObjectType::dataset)
    throw FormatError(q + ": " + dataset_path + " is missing (it must hold one value per channel)");
  const hdf5::Dataset dataset = hdf5::open_dataset(group, name);
  const hdf5::DatasetInfo info = hdf5::dataset_info(dataset);
  if (!info.is_float32())
    throw FormatError(q + ": " + dataset_path + " is " + hdf5::type_name(info) +
                      ", expected float32");
  const std::vector<std::uint64_t> expected = {static_cast<std::uint64_t>(channels)};
  if (info.dims != expected)
    throw FormatError(q + ": " + dataset_path + " is " + hdf5::dims_text(info.dims) +
                      ", expected " + hdf5::dims_text(expected) + " (one value per input channel)");
  std::vector<float> values(static_cast<std::size_t>(channels));
  hdf5::read_dataset<float>(dataset, std::span<float>(values));
  for (const float v : values)
    if (!std::isfinite(v)) throw FormatError(q + ": " + dataset_path + " holds " + number_text(v));
  return values;
}

std::int64_t read_count(hdf5::Object object, const std::string& name) {
  const std::int64_t value = hdf5::read_int64_attribute(object, name);
  if (value < 0)
    throw FormatError(hdf5::describe(object) + ": attribute '" + name + "' is " +
                      std::to_string(value) + ", expected a count (0 or more)");
  return value;
}

}  // namespace

// -------------------------------------------------------------------------------------------------

void save_model(const fs::path& path, Network& network, const ModelInfo& info,
                const Checkpoint* checkpoint) {
  check_before_saving(path, network, info, checkpoint);
  const std::string created = info.provenance.created.empty() ? utc_now() : info.provenance.created;
  check_output_path(path);

  // The file is built in memory and written with plain system calls: HDF5 never meets a disk
  // error (it cannot close a file cleanly after one), and ours carry the system's message.
  std::vector<std::byte> image;
  {
    hdf5::File file = hdf5::create_in_memory_file(path.string());
    write_contents(file, network, info, created, checkpoint);
    image = hdf5::file_image(file);
    hdf5::close_file(file);
  }
  write_file_atomically(path, image);
}

struct ModelReader::File {
  hdf5::File file;
};

ModelReader::ModelReader(const fs::path& path) : path_(path), file_(std::make_unique<File>()) {
  const std::string q = quoted(path);
  file_->file = hdf5::open_file_read_only(path);
  const hdf5::Object root(file_->file);

  if (!hdf5::has_attribute(root, "format"))
    throw FormatError(q + ": not a nin model file (no 'format' attribute)");
  const std::string format = hdf5::read_string_attribute(root, "format");
  if (format != kModelFormatName)
    throw FormatError(q + ": not a nin model file (format '" + format + "', expected '" +
                      kModelFormatName + "')");
  const std::int64_t version = hdf5::read_int64_attribute(root, "format_version");
  if (version != kModelFormatVersion)
    throw FormatError(q + ": unsupported format_version " + std::to_string(version) +
                      ", this build reads " + std::to_string(kModelFormatVersion));

  try {
    spec_ = parse_network_spec(hdf5::read_string_attribute(root, "spec"), path.string());
  } catch (const SpecError& e) {
    throw FormatError(std::string(e.what()) + " (in the model's 'spec' attribute)");
  }

  const std::string class_names = hdf5::read_string_attribute(root, "class_names");
  nlohmann::json names;
  bool names_ok = !parse_strict_json(class_names, names) && names.is_array() &&
                  names.size() == spec_.class_names.size();
  for (std::size_t i = 0; names_ok && i < names.size(); ++i)
    names_ok = names[i].is_string() && names[i].get<std::string>() == spec_.class_names[i];
  if (!names_ok)
    throw FormatError(q + ": attribute 'class_names' is " + class_names +
                      ", expected the spec's class names " +
                      nlohmann::json(spec_.class_names).dump());

  if (hdf5::has_link(root, kNormalizationGroup)) {
    const hdf5::Group group = hdf5::open_group(root, kNormalizationGroup);
    Normalization& n = info_.normalization;
    n.mean = read_per_channel(group, path, "mean", spec_.input.channels);
    n.std = read_per_channel(group, path, "std", spec_.input.channels);
    try {
      check_normalization(n);
    } catch (const FormatError& e) {
      throw FormatError(q + ": " + e.what());
    }
  }

  Provenance& p = info_.provenance;
  p.tool_version = hdf5::read_string_attribute(root, "tool_version");
  p.dataset = hdf5::read_string_attribute(root, "dataset");
  p.epochs = read_count(root, "epochs");
  p.seed = hdf5::read_uint64_attribute(root, "seed");
  p.metrics_json = hdf5::read_string_attribute(root, "metrics");
  p.created = hdf5::read_string_attribute(root, "created");
}

ModelReader::~ModelReader() = default;

bool ModelReader::has_checkpoint() const {
  return hdf5::object_type(file_->file, kCheckpointGroup) == hdf5::ObjectType::group;
}

void ModelReader::read_parameters(Network& network) const {
  read_slots(file_->file, path_, {kLayersGroup, "layer"}, parameter_and_state_slots(network));
  try {
    check_finite_parameters(network, info_.normalization);
  } catch (const FormatError& e) {
    throw FormatError(quoted(path_) + ": " + e.what());
  }
}

Checkpoint ModelReader::read_checkpoint(Network& network) const {
  const std::string q = quoted(path_);
  if (!has_checkpoint())
    throw FormatError(q + ": has no /checkpoint group (a model file, not a checkpoint)");
  const hdf5::Group group = hdf5::open_group(file_->file, kCheckpointGroup);
  Checkpoint c;
  c.epoch = read_count(group, "epoch");
  c.step = read_count(group, "step");
  c.step_in_epoch = read_count(group, "step_in_epoch");
  c.best_accuracy = hdf5::read_double_attribute(group, "best_accuracy");
  if (hdf5::has_attribute(group, "epoch_seen")) {
    c.epoch_loss_sum = hdf5::read_double_attribute(group, "epoch_loss_sum");
    c.epoch_correct = read_count(group, "epoch_correct");
    c.epoch_seen = read_count(group, "epoch_seen");
  }
  c.random_state = hdf5::read_uint64_array_attribute(group, "random_state");
  const std::size_t streams = network.random_state().size();
  if (c.random_state.size() != streams)
    throw FormatError(q + ": /checkpoint attribute 'random_state' has " +
                      std::to_string(c.random_state.size()) + " entries, the network has " +
                      std::to_string(streams) + " dropout layers");
  c.options_json = hdf5::read_string_attribute(group, "options");
  c.velocity.assign(network.parameter_values().size(), 0.0f);
  read_slots(file_->file, path_, {kVelocityGroup, "velocity of layer"},
             velocity_slots(network, c.velocity.data()));
  return c;
}

}  // namespace nin
