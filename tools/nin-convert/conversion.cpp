#include "nin-convert/conversion.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>

#include "common/preprocessing_options.hpp"
#include "nin/core/error.hpp"
#include "nin/io/atomic_file.hpp"
#include "nin/io/model_file.hpp"
#include "nin/io/output_path.hpp"

namespace nin::convert_tool {
namespace {

namespace fs = std::filesystem;

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

cli::ModelFormat format_of(const fs::path& path, const char* role) {
  const auto format = cli::model_format_of(path);
  if (!format)
    throw UsageError(std::string(role) + " " + quoted(path) +
                     ": the file name must end in .h5, .hdf5 (nin model) or .onnx (ONNX model)");
  return *format;
}

// The same network with other class names: a new network (its spec is fixed when it is built)
// holding the same parameters and state.
std::unique_ptr<Network> with_class_names(Network& network, std::vector<std::string> names) {
  NetworkSpec spec = network.spec();
  spec.class_names = std::move(names);
  auto renamed = std::make_unique<Network>(spec, network.max_batch(), network.use());
  renamed->copy_parameters_from(network);
  return renamed;
}

std::string names_list(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

Conversion prepare_conversion(const ConversionOptions& options) {
  Conversion c;
  c.options = options;
  c.input_format = format_of(options.input, "input");
  c.output_format = format_of(options.output, "-o");
  const bool onnx_out = c.output_format == cli::ModelFormat::onnx;
  if (options.softmax && !onnx_out)
    throw UsageError("--softmax applies to ONNX output; " + quoted(options.output) +
                     " is a nin model");
  if (options.strip && c.input_format == cli::ModelFormat::onnx)
    throw UsageError("--strip turns a checkpoint into a model; " + quoted(options.input) +
                     " is an ONNX model, which holds no checkpoint");

  if (!options.dry_run) {
    // The input is read whole before the output replaces it, so a model may be rewritten in place.
    std::vector<NamedFile> inputs{{"INPUT", options.input, "-o"}};
    if (options.class_names_file) inputs.push_back({"--rename-classes", *options.class_names_file});
    const NamedFile outputs[] = {{"-o", options.output}};
    check_distinct_files(outputs, inputs);
    // An output that cannot be written, or that another process is writing, fails before the
    // input is read and converted.
    check_output_path(options.output, "-o");
    c.output_lock.emplace(options.output, "-o");
  }

  // A training network (of batch 1) has every layer a checkpoint refers to (dropout streams).
  const bool keep_checkpoint = c.output_format == cli::ModelFormat::hdf5 && !options.strip;
  c.model = cli::load_model(options.input, 1, NetworkUse::training, keep_checkpoint);

  cli::apply_preprocessing(options.preprocessing, options.input,
                           c.model.network->spec().input.channels, c.model.info.normalization);
  if (options.class_names_file)
    c.model.network = with_class_names(
        *c.model.network,
        cli::read_class_names(*options.class_names_file, c.model.network->spec().classes));

  if (c.model.has_checkpoint && !keep_checkpoint)
    c.left_out.push_back("the checkpoint (optimiser state and training position)");
  if (onnx_out) {
    c.onnx = export_onnx(*c.model.network, c.model.info, {options.softmax});
    if (!c.onnx->dropped.empty())
      c.left_out.push_back("dropout layers " + names_list(c.onnx->dropped) +
                           " (the identity at inference; kept in the spec in the metadata)");
  }
  return c;
}

void write_conversion(Conversion& c) {
  const fs::path& output = c.options.output;
  remove_stale_temporaries(output);
  if (c.onnx) {
    const auto* bytes = reinterpret_cast<const std::byte*>(c.onnx->bytes.data());
    write_file_atomically(output, std::span<const std::byte>(bytes, c.onnx->bytes.size()));
    return;
  }
  save_model(output, *c.model.network, c.model.info,
             c.model.checkpoint ? &*c.model.checkpoint : nullptr);
}

}  // namespace nin::convert_tool
