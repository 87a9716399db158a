// HDF5 model files: save/load round trips that must be bit-identical (parameters, running
// statistics, spec, normalisation, provenance, checkpoint), the atomic write (no temporary file
// left, an old file survives a failed save), readability by the HDF5 command-line tools, every way
// ModelReader refuses a file (with the error type and the message's content), and the RAII
// wrapper over the HDF5 C API on its own.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <regex>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/io/hdf5.hpp"
#include "nin/io/model_file.hpp"
#include "nin/io/model_values.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/spec/preset_catalog.hpp"
#include "test_support.hpp"

namespace {

namespace bdata = boost::unit_test::data;
namespace fs = std::filesystem;
namespace h5 = nin::hdf5;
using nin::Network;

const fs::path kModels = NIN_TEST_MODELS_DIR;

nin::NetworkSpec preset(const std::string& name) {
  return nin::load_network(name, nin::PresetCatalog({kModels}));
}

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("nin-model-file-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::vector<std::string> directory_entries(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

using nin::test::check_message;
using nin::test::contains;

using nin::test::check_throws;

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// A network with random weights (initialize) and non-trivial batch-norm scales, shifts and
// running statistics, so that nothing round-trips by accident as a default value.
std::unique_ptr<Network> trained_network(const std::string& name, std::uint64_t seed) {
  auto network = std::make_unique<Network>(preset(name), 1);
  network->initialize(seed);
  std::uint64_t stream = seed * 1000;
  for (const auto& p : network->parameters()) {
    if (p.parameter->name != "scale" && p.parameter->name != "shift") continue;
    const auto v = nin::test::random_reals(p.parameter->size(), ++stream, -2.0f, 2.0f);
    std::copy(v.begin(), v.end(), p.parameter->value);
  }
  nin::test::randomize_state(*network, stream);
  return network;
}

nin::ModelInfo sample_info(const Network& network) {
  nin::ModelInfo info;
  const auto channels = network.spec().input.channels;
  for (std::int64_t c = 0; c < channels; ++c) {
    info.normalization.mean.push_back(0.1234567f * static_cast<float>(c + 1));
    info.normalization.std.push_back(0.3081f + 0.0001f * static_cast<float>(c));
  }
  info.provenance = nin::test::sample_provenance(R"({"test_accuracy": 0.9123, "test_loss": 0.25})");
  return info;
}

nin::Checkpoint sample_checkpoint(Network& network) {
  nin::Checkpoint c;
  c.epoch = 7;
  c.step = 3280;
  c.step_in_epoch = 31;
  c.best_accuracy = 0.87654321;
  std::vector<std::uint64_t> streams(network.random_state().size());
  for (std::size_t i = 0; i < streams.size(); ++i) streams[i] = 1000 + 17 * i + (1ull << 40);
  c.random_state = streams;
  c.options_json = R"({"learning_rate": 0.01, "momentum": 0.9, "batch": 128})";
  c.velocity = nin::test::random_reals(static_cast<std::int64_t>(network.parameter_values().size()),
                                       99, -0.5f, 0.5f);
  return c;
}

bool same_bits(const float* a, const float* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

// Every parameter and state tensor of `a` and `b` hold the same bits.
void check_same_values(Network& a, Network& b) {
  const auto va = a.parameter_values(), vb = b.parameter_values();
  BOOST_REQUIRE(va.size() == vb.size());
  BOOST_TEST(same_bits(va.data(), vb.data(), va.size()), "parameter values differ");
  const auto sa = a.state(), sb = b.state();
  BOOST_REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    BOOST_TEST(sa[i].layer == sb[i].layer);
    std::size_t size = 1;
    for (const auto d : sa[i].state->dims) size *= static_cast<std::size_t>(d);
    BOOST_TEST(same_bits(sa[i].state->value, sb[i].state->value, size),
               sa[i].layer << "/" << sa[i].state->name << " differs");
  }
}

// A saved table-4.4 model (with checkpoint), to be damaged by a test.
struct SavedModel {
  TempDir dir;
  fs::path path = dir / "model.h5";
  std::unique_ptr<Network> network = trained_network("table-4.4", 5);
  SavedModel() {
    const nin::Checkpoint checkpoint = sample_checkpoint(*network);
    nin::save_model(path, *network, sample_info(*network), &checkpoint);
  }
  // Changes the file in place.
  void edit(const std::function<void(const h5::File&)>& change) const {
    h5::File file = h5::open_file_read_write(path);
    change(file);
    h5::close_file(file);
  }
  // A network to read into, built from the file's spec.
  std::unique_ptr<Network> fresh_network() const {
    return std::make_unique<Network>(preset("table-4.4"), 1);
  }
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a shell command with its output in a file; returns the exit status and the output.
std::pair<int, std::string> run(const std::string& command, const fs::path& output) {
  const int status = std::system((command + " > " + quoted(output) + " 2>&1").c_str());
  const int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return {code, read_file(output)};
}

}  // namespace

// -------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(model_file_round_trip)

BOOST_DATA_TEST_CASE(everything_comes_back_bit_identical,
                     bdata::make(std::vector<std::string>{"nin-mnist-bn", "table-4.4"}), name) {
  TempDir dir;
  const fs::path path = dir / "model.h5";
  auto original = trained_network(name, 11);
  const nin::ModelInfo info = sample_info(*original);
  const nin::Checkpoint checkpoint = sample_checkpoint(*original);
  nin::save_model(path, *original, info, &checkpoint);
  BOOST_TEST(directory_entries(dir.path()) == std::vector<std::string>{"model.h5"},
             boost::test_tools::per_element());

  const nin::ModelReader reader(path);
  BOOST_TEST(nin::to_json_text(reader.spec()) == nin::to_json_text(original->spec()));
  BOOST_TEST(reader.spec().source == path.string());
  BOOST_TEST(reader.spec().class_names == original->spec().class_names,
             boost::test_tools::per_element());
  BOOST_TEST((reader.spec().layers.back().output == original->spec().layers.back().output));

  const auto& n = reader.info().normalization;
  BOOST_TEST(n.mean.size() == info.normalization.mean.size());
  BOOST_TEST(same_bits(n.mean.data(), info.normalization.mean.data(), n.mean.size()));
  BOOST_TEST(n.std.size() == info.normalization.std.size());
  BOOST_TEST(same_bits(n.std.data(), info.normalization.std.data(), n.std.size()));
  const auto& p = reader.info().provenance;
  BOOST_TEST(p.tool_version == info.provenance.tool_version);
  BOOST_TEST(p.dataset == info.provenance.dataset);
  BOOST_TEST(p.epochs == info.provenance.epochs);
  BOOST_TEST(p.seed == info.provenance.seed);
  BOOST_TEST(p.metrics_json == info.provenance.metrics_json);
  BOOST_TEST(p.created == info.provenance.created);

  Network loaded(reader.spec(), 1);
  loaded.initialize(12345);  // different values, all overwritten
  reader.read_parameters(loaded);
  check_same_values(*original, loaded);

  BOOST_TEST(reader.has_checkpoint());
  const nin::Checkpoint c = reader.read_checkpoint(loaded);
  BOOST_TEST(c.epoch == checkpoint.epoch);
  BOOST_TEST(c.step == checkpoint.step);
  BOOST_TEST(c.step_in_epoch == checkpoint.step_in_epoch);
  BOOST_TEST(std::memcmp(&c.best_accuracy, &checkpoint.best_accuracy, sizeof(double)) == 0);
  BOOST_TEST(c.random_state == checkpoint.random_state, boost::test_tools::per_element());
  BOOST_TEST(c.options_json == checkpoint.options_json);
  BOOST_REQUIRE(c.velocity.size() == checkpoint.velocity.size());
  BOOST_TEST(same_bits(c.velocity.data(), checkpoint.velocity.data(), c.velocity.size()));
  loaded.set_random_state(c.random_state);
  BOOST_TEST(loaded.random_state() == checkpoint.random_state, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_random_state_of_a_network_with_dropout_is_not_empty) {
  // nin-mnist-bn has dropout layers, so the round trip above covered a non-empty uint64 array;
  // table-4.4 has none (an empty one).
  auto network = trained_network("nin-mnist-bn", 1);
  BOOST_TEST(!network->random_state().empty());
  BOOST_TEST(trained_network("table-4.4", 1)->random_state().empty());
}

BOOST_AUTO_TEST_CASE(a_model_without_checkpoint_or_normalization) {
  TempDir dir;
  const fs::path path = dir / "plain.h5";
  auto original = trained_network("table-4.4", 3);
  nin::ModelInfo info;
  info.provenance.tool_version = "test";
  nin::save_model(path, *original, info);

  const nin::ModelReader reader(path);
  BOOST_TEST(!reader.has_checkpoint());
  BOOST_TEST(reader.info().normalization.mean.empty());
  BOOST_TEST(reader.info().normalization.std.empty());
  BOOST_TEST(reader.info().provenance.metrics_json.empty());
  // Filled at save time: ISO 8601 UTC.
  const std::string& created = reader.info().provenance.created;
  BOOST_TEST(std::regex_match(created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")),
             "created is " << created);
  Network loaded(reader.spec(), 1);
  reader.read_parameters(loaded);
  check_same_values(*original, loaded);
  check_throws<nin::FormatError>([&] { reader.read_checkpoint(loaded); },
                                 {quoted(path), "no /checkpoint"});
}

BOOST_AUTO_TEST_CASE(saving_again_replaces_the_file) {
  TempDir dir;
  const fs::path path = dir / "model.h5";
  auto first = trained_network("table-4.4", 1);
  auto second = trained_network("table-4.4", 2);
  nin::save_model(path, *first, sample_info(*first));
  nin::save_model(path, *second, sample_info(*second));
  BOOST_TEST(directory_entries(dir.path()) == std::vector<std::string>{"model.h5"},
             boost::test_tools::per_element());
  const nin::ModelReader reader(path);
  Network loaded(reader.spec(), 1);
  reader.read_parameters(loaded);
  check_same_values(*second, loaded);
}

BOOST_AUTO_TEST_CASE(the_hdf5_tools_read_the_file) {
  const SavedModel model;
  const fs::path output = model.dir / "tool-output.txt";
  const auto [ls_status, listing] = run("h5ls -r " + quoted(model.path), output);
  BOOST_TEST(ls_status == 0, "h5ls failed: " << listing);
  for (const std::string part : {"/layers/L11/weight", "Dataset {16, 3, 3, 3}", "/layers/L32/bias",
                                 "/normalization/std", "/checkpoint/velocity/L21/weight"})
    BOOST_TEST(contains(listing, part), "'" << part << "' is not in the listing:\n" << listing);

  const auto [dump_status, dump] = run("h5dump -A " + quoted(model.path), output);
  BOOST_TEST(dump_status == 0, "h5dump failed: " << dump);
  for (const std::string part : {R"("nin-model")", "ATTRIBUTE \"spec\"", "2026-11-30T08:15:00Z",
                                 "H5T_STR_NULLTERM", "H5T_CSET_UTF8"})
    BOOST_TEST(contains(dump, part), "'" << part << "' is not in the dump");
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(model_file_save_failures)

BOOST_AUTO_TEST_CASE(a_missing_directory_is_an_io_error_naming_the_target) {
  TempDir dir;
  auto network = trained_network("table-4.4", 1);
  const fs::path path = dir / "missing" / "model.h5";
  check_throws<nin::IoError>([&] { nin::save_model(path, *network, {}); },
                             {quoted(path), "cannot create", "no such directory"});
  BOOST_TEST(directory_entries(dir.path()).empty());
}

BOOST_AUTO_TEST_CASE(a_parent_that_is_a_file_is_an_io_error) {
  TempDir dir;
  std::ofstream(dir / "file") << "x";
  auto network = trained_network("table-4.4", 1);
  const fs::path path = dir / "file" / "model.h5";
  check_throws<nin::IoError>([&] { nin::save_model(path, *network, {}); },
                             {quoted(path), "cannot create", "is not a directory"});
}

BOOST_AUTO_TEST_CASE(an_uncreatable_temporary_file_leaves_the_old_file_intact) {
  const SavedModel model;
  const std::string before = read_file(model.path);
  // Something the temporary file cannot be created over: a non-empty directory of its name.
  const fs::path blocker = model.dir / ("model.h5.tmp-" + std::to_string(::getpid()));
  fs::create_directories(blocker / "x");
  auto other = trained_network("table-4.4", 77);
  check_throws<nin::IoError>([&] { nin::save_model(model.path, *other, {}); },
                             {quoted(model.path), "cannot create", "Is a directory"});
  BOOST_TEST(fs::is_directory(blocker / "x"));  // not ours to remove
  BOOST_TEST(read_file(model.path) == before);
}

BOOST_AUTO_TEST_CASE(a_write_that_fails_halfway_leaves_the_old_file_intact) {
  const SavedModel model;
  const std::string before = read_file(model.path);
  // A file-size limit makes HDF5's writes fail with EFBIG in the middle of the file.
  auto big = trained_network("nin-mnist-bn", 2);
  rlimit saved{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = 64 * 1024;
  BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  const auto open_files = directory_entries("/proc/self/fd").size();
  std::string message;
  bool io_error = false;
  try {
    nin::save_model(model.path, *big, sample_info(*big));
  } catch (const nin::IoError& e) {
    io_error = true;
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  BOOST_TEST_MESSAGE("message: " << message);
  BOOST_TEST(io_error, "expected an IoError, got: " << message);
  check_message(message, {quoted(model.path), "cannot write"});
  BOOST_TEST(directory_entries(model.dir.path()) == std::vector<std::string>{"model.h5"},
             boost::test_tools::per_element());
  BOOST_TEST(read_file(model.path) == before);
  BOOST_TEST(directory_entries("/proc/self/fd").size() == open_files, "a file was left open");
  const nin::ModelReader reader(model.path);  // still the old, good model
  auto loaded = model.fresh_network();
  reader.read_parameters(*loaded);
  check_same_values(*model.network, *loaded);
}

BOOST_AUTO_TEST_CASE(inconsistent_arguments_are_refused_before_writing) {
  TempDir dir;
  auto network = trained_network("table-4.4", 1);
  const fs::path path = dir / "model.h5";
  nin::ModelInfo info;
  info.normalization.mean = {0.5f};
  info.normalization.std = {0.2f};
  check_throws<nin::UsageError>([&] { nin::save_model(path, *network, info); },
                                {quoted(path), "normalization", "expected 3"});
  info.normalization.mean = {0.5f, 0.5f, 0.5f};
  info.normalization.std = {0.2f, 0.0f, 0.2f};
  check_throws<nin::UsageError>([&] { nin::save_model(path, *network, info); },
                                {quoted(path), "standard deviation"});
  nin::Checkpoint checkpoint;
  checkpoint.velocity = {1.0f};
  check_throws<nin::UsageError>([&] { nin::save_model(path, *network, {}, &checkpoint); },
                                {quoted(path), "velocity has 1 values", "81960"});
  BOOST_TEST(directory_entries(dir.path()).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(model_file_read_failures)

BOOST_AUTO_TEST_CASE(a_text_file_is_not_an_hdf5_file) {
  TempDir dir;
  const fs::path path = dir / "notes.h5";
  std::ofstream(path) << "this is not HDF5\n";
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(path); },
                                 {quoted(path), "not an HDF5 file"});
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_io_error) {
  TempDir dir;
  const fs::path path = dir / "absent.h5";
  check_throws<nin::IoError>([&] { nin::ModelReader reader(path); },
                             {quoted(path), "no such file"});
}

BOOST_AUTO_TEST_CASE(a_directory_is_an_io_error) {
  TempDir dir;
  check_throws<nin::IoError>([&] { nin::ModelReader reader(dir.path()); },
                             {quoted(dir.path()), "is a directory"});
}

BOOST_AUTO_TEST_CASE(an_hdf5_file_without_format_attribute_is_not_a_model) {
  TempDir dir;
  const fs::path path = dir / "data.h5";
  h5::File file = h5::create_file(path);
  h5::write_int64_attribute(file, "something", 1);
  h5::close_file(file);
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(path); },
                                 {quoted(path), "not a nin model file (no 'format' attribute)"});
}

BOOST_AUTO_TEST_CASE(another_format_is_not_a_model) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::write_string_attribute(f, "format", "keras"); });
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(model.path); },
                                 {quoted(model.path), "not a nin model file", "'keras'"});
}

BOOST_AUTO_TEST_CASE(a_newer_format_version_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::write_int64_attribute(f, "format_version", 7); });
  check_throws<nin::FormatError>(
      [&] { nin::ModelReader reader(model.path); },
      {quoted(model.path), "unsupported format_version 7, this build reads 1"});
}

BOOST_AUTO_TEST_CASE(a_format_version_of_the_wrong_type_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::write_string_attribute(f, "format_version", "1"); });
  check_throws<nin::FormatError>(
      [&] { nin::ModelReader reader(model.path); },
      {quoted(model.path), "'format_version'", "a string", "expected an integer"});
}

BOOST_AUTO_TEST_CASE(a_broken_spec_names_the_file) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::write_string_attribute(f, "spec", R"({"layers": )"); });
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(model.path); },
                                 {quoted(model.path), "malformed JSON", "'spec' attribute"});
}

BOOST_AUTO_TEST_CASE(class_names_must_mirror_the_spec) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::write_string_attribute(f, "class_names", R"(["a"])"); });
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(model.path); },
                                 {quoted(model.path), "class_names"});
}

BOOST_AUTO_TEST_CASE(a_provenance_attribute_of_the_wrong_type_is_named) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::write_string_attribute(f, "epochs", "many"); });
  check_throws<nin::FormatError>(
      [&] { nin::ModelReader reader(model.path); },
      {quoted(model.path), "attribute 'epochs' is a string", "expected an integer"});
}

BOOST_AUTO_TEST_CASE(normalization_of_the_wrong_length_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) {
    h5::remove_link(f, "normalization/mean");
    const std::vector<float> two = {0.5f, 0.5f};
    const std::vector<std::uint64_t> dims = {2};
    h5::write_dataset<float>(f, "normalization/mean", dims, two.data());
  });
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(model.path); },
                                 {quoted(model.path), "/normalization/mean is [2], expected [3]"});
}

BOOST_AUTO_TEST_CASE(a_zero_standard_deviation_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) {
    h5::remove_link(f, "normalization/std");
    const std::vector<float> std = {0.5f, 0.0f, 0.5f};
    const std::vector<std::uint64_t> dims = {3};
    h5::write_dataset<float>(f, "normalization/std", dims, std.data());
  });
  check_throws<nin::FormatError>([&] { nin::ModelReader reader(model.path); },
                                 {quoted(model.path), "/normalization/std", "positive"});
}

// Replaces one value of the float32 dataset at `path`.
void set_value(const h5::File& f, const std::string& path, std::size_t index, float value) {
  std::vector<float> values;
  std::vector<std::uint64_t> dims;
  {
    const h5::Dataset dataset = h5::open_dataset(f, path);
    dims = h5::dataset_info(dataset).dims;
    std::uint64_t count = 1;
    for (const auto d : dims) count *= d;
    values.resize(static_cast<std::size_t>(count));
    h5::read_dataset<float>(dataset, std::span<float>(values));
  }
  values.at(index) = value;
  h5::remove_link(f, path);
  h5::write_dataset<float>(f, path, dims, values.data());
}

BOOST_AUTO_TEST_CASE(non_finite_parameters_are_named_with_their_index) {
  const SavedModel model;
  model.edit([](const h5::File& f) {
    set_value(f, "layers/L21/weight", 17, std::numeric_limits<float>::quiet_NaN());
  });
  auto network = model.fresh_network();
  {
    const nin::ModelReader reader(model.path);
    check_throws<nin::FormatError>(
        [&] { reader.read_parameters(*network); },
        {quoted(model.path) + ": layer 'L21': weight holds a non-finite value (NaN) at index 17"});
  }
  model.edit([](const h5::File& f) {
    set_value(f, "layers/L21/weight", 17, 0.5f);
    set_value(f, "layers/L32/bias", 3, -std::numeric_limits<float>::infinity());
  });
  const nin::ModelReader again(model.path);
  check_throws<nin::FormatError>(
      [&] { again.read_parameters(*network); },
      {quoted(model.path) + ": layer 'L32': bias holds a non-finite value (-inf) at index 3"});
}

// The check both load paths (HDF5 and ONNX) share, on running statistics and normalisation.
BOOST_AUTO_TEST_CASE(running_statistics_and_normalization_are_checked) {
  Network network(preset("nin-mnist-bn"), 1);
  network.initialize(3);
  BOOST_CHECK_NO_THROW(nin::check_finite_parameters(network, {}));
  std::string layer;
  for (const auto& s : network.state())
    if (s.state->name == "running_var" && layer.empty()) {
      layer = s.layer;
      s.state->value[2] = -0.25f;
    }
  check_throws<nin::FormatError>(
      [&] { nin::check_finite_parameters(network, {}); },
      {"layer '" + layer + "': running_var holds a negative value (-0.25) at index 2"});
  network.initialize(3);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  check_throws<nin::FormatError>(
      [&] {
        nin::check_finite_parameters(network, {{nan}, {1.0f}});
      },
      {"/normalization/mean holds a non-finite value (NaN) at index 0"});
  check_throws<nin::FormatError>(
      [&] {
        nin::check_finite_parameters(network, {{0.0f}, {nan}});
      },
      {"/normalization/std holds NaN at index 0, expected a positive finite number"});
}

BOOST_AUTO_TEST_CASE(a_missing_layer_group_is_named) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::remove_link(f, "layers/L21"); });
  const nin::ModelReader reader(model.path);  // the metadata is fine
  auto network = model.fresh_network();
  check_throws<nin::FormatError>([&] { reader.read_parameters(*network); },
                                 {quoted(model.path), "missing group /layers/L21"});
}

BOOST_AUTO_TEST_CASE(a_missing_dataset_is_named) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::remove_link(f, "layers/L22/weight"); });
  const nin::ModelReader reader(model.path);
  auto network = model.fresh_network();
  check_throws<nin::FormatError>([&] { reader.read_parameters(*network); },
                                 {quoted(model.path), "layer 'L22' has no dataset 'weight'"});
}

BOOST_AUTO_TEST_CASE(a_wrong_shape_is_refused_before_anything_is_read) {
  const SavedModel model;
  model.edit([](const h5::File& f) {
    h5::remove_link(f, "layers/L31/weight");
    const std::vector<std::uint64_t> dims = {100, 64, 5, 5};
    const std::vector<float> values(100 * 64 * 5 * 5, 1.0f);
    h5::write_dataset<float>(f, "layers/L31/weight", dims, values.data());
  });
  const nin::ModelReader reader(model.path);
  auto network = model.fresh_network();
  network->initialize(999);
  const std::vector<float> before(network->parameter_values().begin(),
                                  network->parameter_values().end());
  check_throws<nin::FormatError>(
      [&] { reader.read_parameters(*network); },
      {quoted(model.path), "/layers/L31/weight is [100,64,5,5], expected [100,64,3,3]"});
  // L11 ... L22 come before L31 in the file, yet nothing was written into the network.
  BOOST_TEST(same_bits(before.data(), network->parameter_values().data(), before.size()));
}

BOOST_AUTO_TEST_CASE(a_float64_dataset_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) {
    h5::remove_link(f, "layers/L12/bias");
    const std::vector<std::uint64_t> dims = {16};
    const std::vector<double> values(16, 0.25);
    h5::write_dataset<double>(f, "layers/L12/bias", dims, values.data());
  });
  const nin::ModelReader reader(model.path);
  auto network = model.fresh_network();
  check_throws<nin::FormatError>(
      [&] { reader.read_parameters(*network); },
      {quoted(model.path), "/layers/L12/bias is float64, expected float32"});
}

BOOST_AUTO_TEST_CASE(an_unknown_layer_group_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) { h5::create_group(f, "layers/L99"); });
  const nin::ModelReader reader(model.path);
  auto network = model.fresh_network();
  check_throws<nin::FormatError>(
      [&] { reader.read_parameters(*network); },
      {quoted(model.path), "/layers/L99 is not a layer with parameters", "L11, L12, L21"});
}

BOOST_AUTO_TEST_CASE(an_unknown_dataset_in_a_layer_is_refused) {
  const SavedModel model;
  model.edit([](const h5::File& f) {
    const std::vector<std::uint64_t> dims = {16};
    const std::vector<float> values(16, 0.0f);
    h5::write_dataset<float>(f, "layers/L11/running_mean", dims, values.data());
  });
  const nin::ModelReader reader(model.path);
  auto network = model.fresh_network();
  check_throws<nin::FormatError>(
      [&] { reader.read_parameters(*network); },
      {quoted(model.path), "/layers/L11/running_mean is not a tensor", "expected: weight, bias"});
}

BOOST_AUTO_TEST_CASE(a_network_of_another_shape_does_not_fit) {
  TempDir dir;
  const fs::path path = dir / "model.h5";
  auto mnist = trained_network("nin-mnist-bn", 1);
  nin::save_model(path, *mnist, {});
  const nin::ModelReader reader(path);
  Network other(nin::with_classes(reader.spec(), 5), 1);
  check_throws<nin::FormatError>([&] { reader.read_parameters(other); },
                                 {quoted(path), "expected [5,"});
}

BOOST_AUTO_TEST_CASE(a_damaged_checkpoint_is_named) {
  {
    const SavedModel model;
    model.edit([](const h5::File& f) { h5::remove_link(f, "checkpoint/velocity/L32/bias"); });
    const nin::ModelReader reader(model.path);
    auto network = model.fresh_network();
    reader.read_parameters(*network);  // the parameters are fine
    check_throws<nin::FormatError>(
        [&] { reader.read_checkpoint(*network); },
        {quoted(model.path), "velocity of layer 'L32' has no dataset 'bias'"});
  }
  {
    const SavedModel model;
    model.edit([](const h5::File& f) {
      const h5::Group group = h5::open_group(f, "checkpoint");
      const std::vector<std::uint64_t> two = {1, 2};
      h5::write_uint64_array_attribute(group, "random_state", two);
    });
    const nin::ModelReader reader(model.path);
    auto network = model.fresh_network();
    check_throws<nin::FormatError>(
        [&] { reader.read_checkpoint(*network); },
        {quoted(model.path), "random_state", "has 2 entries", "0 dropout layers"});
  }
  {
    const SavedModel model;
    model.edit([](const h5::File& f) {
      const h5::Group group = h5::open_group(f, "checkpoint");
      h5::write_int64_attribute(group, "step", -4);
    });
    const nin::ModelReader reader(model.path);
    auto network = model.fresh_network();
    check_throws<nin::FormatError>([&] { reader.read_checkpoint(*network); },
                                   {quoted(model.path), "/checkpoint", "'step' is -4"});
  }
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(hdf5_wrapper)

BOOST_AUTO_TEST_CASE(attributes_round_trip) {
  TempDir dir;
  const fs::path path = dir / "attributes.h5";
  {
    h5::File file = h5::create_file(path);
    h5::Group group = h5::create_group(file, "a/b");
    h5::write_int64_attribute(group, "i", -5);
    h5::write_uint64_attribute(group, "u", ~0ull);
    h5::write_double_attribute(group, "d", 0.1);
    h5::write_string_attribute(group, "s", "grüße, 世界");
    h5::write_string_attribute(group, "empty", "");
    const std::vector<float> floats = {1.5f, -2.25f};
    h5::write_float_array_attribute(group, "f", floats);
    h5::write_int64_array_attribute(group, "ia", std::vector<std::int64_t>{-1, 2, -3});
    h5::write_uint64_array_attribute(group, "none", {});
    const std::vector<std::string> strings = {"cat", "", "dog"};
    h5::write_string_array_attribute(group, "sa", strings);
    h5::write_int64_attribute(group, "i", 6);  // replaces
    group.reset();
    h5::close_file(file);
  }
  h5::File file = h5::open_file_read_only(path);
  const h5::Group group = h5::open_group(file, "a/b");
  BOOST_TEST(h5::object_path(group) == "/a/b");
  BOOST_TEST(h5::describe(group) == quoted(path) + ": /a/b");
  BOOST_TEST(h5::read_int64_attribute(group, "i") == 6);
  BOOST_TEST(h5::read_uint64_attribute(group, "u") == ~0ull);
  BOOST_TEST(h5::read_double_attribute(group, "d") == 0.1);
  BOOST_TEST(h5::read_string_attribute(group, "s") == "grüße, 世界");
  BOOST_TEST(h5::read_string_attribute(group, "empty") == "");
  BOOST_TEST(h5::read_float_array_attribute(group, "f") == (std::vector<float>{1.5f, -2.25f}),
             boost::test_tools::per_element());
  BOOST_TEST(h5::read_int64_array_attribute(group, "ia") == (std::vector<std::int64_t>{-1, 2, -3}),
             boost::test_tools::per_element());
  BOOST_TEST(h5::read_uint64_array_attribute(group, "none").empty());
  BOOST_TEST(
      h5::read_string_array_attribute(group, "sa") == (std::vector<std::string>{"cat", "", "dog"}),
      boost::test_tools::per_element());
  BOOST_TEST(h5::attribute_names(group) ==
                 (std::vector<std::string>{"d", "empty", "f", "i", "ia", "none", "s", "sa", "u"}),
             boost::test_tools::per_element());
  check_throws<nin::FormatError>(
      [&] { h5::read_string_attribute(group, "i"); },
      {quoted(path), "/a/b", "attribute 'i' is an integer", "expected a string"});
  check_throws<nin::FormatError>([&] { h5::read_int64_attribute(group, "ia"); },
                                 {"attribute 'ia' holds 3 values, expected one"});
  check_throws<nin::FormatError>([&] { h5::read_double_attribute(group, "missing"); },
                                 {quoted(path), "no attribute 'missing'"});
}

BOOST_AUTO_TEST_CASE(datasets_round_trip_and_read_by_rows) {
  TempDir dir;
  const fs::path path = dir / "data.h5";
  std::vector<std::uint8_t> bytes(4 * 2 * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 10);
  const std::vector<std::int32_t> labels = {3, 1, 4, 1};
  {
    h5::File file = h5::create_file(path);
    h5::write_dataset<std::uint8_t>(file, "images", std::vector<std::uint64_t>{4, 2, 3},
                                    bytes.data());
    h5::write_dataset<std::int32_t>(file, "sets/labels", std::vector<std::uint64_t>{4},
                                    labels.data());
    h5::close_file(file);
  }
  h5::File file = h5::open_file_read_only(path);
  BOOST_TEST(h5::link_names(file) == (std::vector<std::string>{"images", "sets"}),
             boost::test_tools::per_element());
  BOOST_TEST((h5::object_type(file, "sets/labels") == h5::ObjectType::dataset));
  BOOST_TEST((h5::object_type(file, "sets") == h5::ObjectType::group));
  BOOST_TEST((h5::object_type(file, "nothing/here") == h5::ObjectType::none));
  const h5::Dataset images = h5::open_dataset(file, "images");
  const h5::DatasetInfo info = h5::dataset_info(images);
  BOOST_TEST(h5::type_name(info) == "uint8");
  BOOST_TEST(h5::dims_text(info.dims) == "[4,2,3]");
  std::vector<std::uint8_t> rows(2 * 2 * 3);
  h5::read_rows<std::uint8_t>(images, 1, 2, rows);
  BOOST_TEST(rows == std::vector<std::uint8_t>(bytes.begin() + 6, bytes.begin() + 18),
             boost::test_tools::per_element());
  std::vector<float> as_floats(bytes.size());
  h5::read_dataset<float>(images, as_floats);  // converted by HDF5
  BOOST_TEST(as_floats[23] == 230.0f);
  const h5::Dataset label_set = h5::open_dataset(file, "sets/labels");
  BOOST_TEST(h5::type_name(h5::dataset_info(label_set)) == "int32");
  std::vector<std::int32_t> read_labels(4);
  h5::read_dataset<std::int32_t>(label_set, read_labels);
  BOOST_TEST(read_labels == labels, boost::test_tools::per_element());
  std::vector<std::int32_t> too_few(3);
  check_throws<nin::FormatError>([&] { h5::read_dataset<std::int32_t>(label_set, too_few); },
                                 {quoted(path), "/sets/labels", "holds 4 values, expected 3"});
  check_throws<nin::FormatError>([&] { h5::read_rows<std::uint8_t>(images, 3, 2, rows); },
                                 {"has 4 rows"});
  check_throws<nin::FormatError>([&] { h5::open_group(file, "images"); },
                                 {quoted(path), "/images is not a group"});
  check_throws<nin::FormatError>([&] { h5::open_dataset(file, "sets/missing"); },
                                 {quoted(path), "missing dataset /sets/missing"});
}

BOOST_AUTO_TEST_CASE(handles_close_and_move) {
  TempDir dir;
  const fs::path path = dir / "handles.h5";
  h5::File file = h5::create_file(path);
  h5::Group a = h5::create_group(file, "a");
  BOOST_TEST(static_cast<bool>(a));
  h5::Group b = std::move(a);
  BOOST_TEST(!a);  // NOLINT: moved from on purpose
  BOOST_TEST(static_cast<bool>(b));
  // The file cannot close while a group is open (a leaked id would be reported here).
  check_throws<nin::IoError>([&] { h5::close_file(file); }, {quoted(path), "cannot close"});
  b.reset();
  h5::close_file(file);
  BOOST_TEST(!file);
}

BOOST_AUTO_TEST_CASE(creating_in_a_missing_directory_is_an_io_error) {
  TempDir dir;
  const fs::path path = dir / "no" / "file.h5";
  check_throws<nin::IoError>([&] { h5::create_file(path); }, {quoted(path), "cannot create"});
}

BOOST_AUTO_TEST_SUITE_END()
