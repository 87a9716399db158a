// nin-eval: evaluates one or many models on a data set: accuracy, loss, per-class metrics,
// confusion matrices, or one line of predictions per sample; or predicts image files one by one.

#include <iostream>
#include <map>
#include <tuple>

#include "common/cli.hpp"
#include "common/data_loading.hpp"
#include "common/file_options.hpp"
#include "common/model_loading.hpp"
#include "common/option_checks.hpp"
#include "common/preprocessing_options.hpp"
#include "nin-eval/image_predictions.hpp"
#include "nin-eval/report.hpp"
#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/dataset.hpp"
#include "nin/spec/network_spec.hpp"

namespace po = boost::program_options;

namespace {

// The message of the exception being handled, named by the model's path, printed on stderr.
std::string report_model_failure(std::string_view tool, const std::string& path) {
  nin::cli::Failure failure = nin::cli::describe_failure(tool, std::current_exception());
  const std::string named = "'" + path + "'";
  if (failure.message.compare(0, named.size(), named) != 0)
    failure.message = named + ": " + failure.message;
  nin::cli::print_error(tool, failure.message);
  return failure.message;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-eval", "MODEL... [--data PATH] [options]  |  MODEL --images FILE...|-",
      "Evaluates each model (MODEL.h5 or MODEL.onnx) on a split of the data set at PATH (an IDX,\n"
      "CIFAR-10 or CIFAR-100 directory, an image folder or an HDF5 file): one summary row per\n"
      "model; --confusion adds per-class precision/recall/F1 and the confusion matrix;\n"
      "--predictions prints one line per sample (with every logit in --format json).\n"
      "--images predicts image files (PNG, JPEG), or with '-' the paths read from standard input,\n"
      "one line per file in input order."};
  return nin::cli::run(info.name, [&]() -> int {
    std::vector<std::string> models, images;
    std::string data = nin::kDefaultDataPath, split, format, labels, class_names_file;
    std::int64_t top_k = 5, batch = 256, limit = 0;
    int threads = 0;
    bool predictions = false, confusion = false, center_crop = false, skip_bad = false;
    nin::cli::PreprocessingOptions preprocessing_options;
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("model", nin::cli::file_value(&models, nin::cli::FileRole::model)->multitoken(), "model files, .h5 or .onnx (positional)")
        ("data", nin::cli::file_value(&data, nin::cli::FileRole::data)->default_value(data), "data set: IDX/CIFAR directory, image folder or HDF5 file")
        ("split", po::value(&split)->default_value("test"), "test or train")
        ("labels", po::value(&labels)->default_value("fine"), "CIFAR-100 labels: fine or coarse")
        ("limit", po::value(&limit)->default_value(0), "evaluate only the first N images (0: all)")
        ("images", nin::cli::file_value(&images, nin::cli::FileRole::images_or_stdin)->multitoken(), "predict these image files instead; '-': one path per line on stdin")
        ("center-crop", po::bool_switch(&center_crop), "images: crop to the network's aspect ratio before resizing")
        ("skip-bad-images", po::bool_switch(&skip_bad), "image folders: skip files that cannot be decoded, with a warning each")
        ("class-names", nin::cli::file_value(&class_names_file, nin::cli::FileRole::class_names), "file with one class name per line, for output")
        ("format", po::value(&format)->default_value("md"), "output format: md, csv, tsv, json")
        ("top-k", po::value(&top_k)->default_value(5), "k of the top-k accuracy and predictions")
        ("confusion", po::bool_switch(&confusion), "add per-class metrics and the confusion matrix")
        ("predictions", po::bool_switch(&predictions), "print one line per sample instead (summary on stderr; json adds the logits)")
        ("batch", po::value(&batch)->default_value(256), "images per forward pass")
        ("threads", po::value(&threads)->default_value(0), "worker threads (0: $NIN_THREADS or all cores)");
    // clang-format on
    preprocessing_options.add_to(options);
    po::positional_options_description positional;
    positional.add("model", -1);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, positional, values))
      return nin::cli::kSuccess;
    const auto out_format =
        nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::csv,
                                        nin::cli::Format::tsv, nin::cli::Format::json});
    if (models.empty()) throw nin::UsageError("no model given");
    if (split != "test" && split != "train")
      throw nin::UsageError("--split: '" + split + "' is not one of test, train");
    if (labels != "fine" && labels != "coarse")
      throw nin::UsageError("--labels: '" + labels + "' is not one of fine, coarse");
    nin::cli::require_range("--top-k", top_k, 1, nin::kMaxSpecChannels);
    nin::cli::require_range("--batch", batch, 1, 65536);
    nin::cli::require_range("--limit", limit, 0, nin::cli::kMaxCountOption);
    nin::cli::require_range("--threads", threads, 0, nin::cli::kMaxThreadsOption);
    nin::ThreadLimit thread_limit(threads);
    const auto preprocessing = preprocessing_options.parse();
    const auto class_names_for = [&](const nin::NetworkSpec& spec,
                                     const std::vector<std::string>& fallback) {
      if (!class_names_file.empty())
        return nin::cli::read_class_names(class_names_file, spec.classes);
      return spec.class_names.empty() ? fallback : spec.class_names;
    };

    if (!images.empty()) {
      if (models.size() != 1)
        throw nin::UsageError("--images predicts with one model; " + std::to_string(models.size()) +
                              " were given");
      for (const char* option :
           {"data", "split", "labels", "limit", "confusion", "predictions", "skip-bad-images"})
        if (!values[option].defaulted())
          throw nin::UsageError(std::string("--") + option +
                                " applies to data sets, not to --images");
      nin::ModelContents contents = nin::cli::read_model_any(models.front());
      nin::cli::print_notes(info.name, models.front(), contents.notes);
      nin::cli::apply_preprocessing(preprocessing, models.front(), contents.spec.input.channels,
                                    contents.info.normalization);
      // Files named on the command line need no bigger batch than their number.
      const bool from_stdin = images.size() == 1 && images.front() == "-";
      const std::int64_t max_batch =
          from_stdin ? batch
                     : std::min<std::int64_t>(batch, static_cast<std::int64_t>(images.size()));
      const auto network = contents.build_network(max_batch, nin::NetworkUse::inference);
      nin::eval_tool::ImagePredictionOptions o;
      o.format = out_format;
      o.top_k = std::min<std::int64_t>(top_k, contents.spec.classes);
      o.center_crop = center_crop;
      o.class_names = class_names_for(contents.spec, {});
      const std::int64_t failed = nin::eval_tool::predict_images(
          info.name, *network, contents.info.normalization, images, o, std::cout);
      if (failed > 0)
        std::cerr << info.name << ": " << failed << " file" << (failed == 1 ? "" : "s")
                  << " could not be predicted\n";
      return failed > 0 ? nin::cli::kFailure : nin::cli::kSuccess;
    }

    nin::DataOptions data_options{
        split == "test" ? nin::Split::test : nin::Split::train,
        labels == "coarse" ? nin::LabelKind::coarse : nin::LabelKind::fine, limit};
    data_options.center_crop = center_crop;
    data_options.skip_bad_images = skip_bad;
    // An image folder is decoded to a model's input shape and labelled in the order of its
    // classes, so it is read once per shape and class list the models have (usually one); other
    // data sets are read once, before any model.
    using ImageSetKey =
        std::tuple<std::int64_t, std::int64_t, std::int64_t, std::vector<std::string>>;
    std::map<ImageSetKey, nin::Dataset> image_sets;
    std::optional<nin::Dataset> fixed;
    if (!nin::is_image_dataset(data)) fixed = nin::cli::load_data(info.name, data, data_options);
    const auto dataset_for = [&](const nin::NetworkSpec& spec) -> const nin::Dataset& {
      if (fixed) return *fixed;
      const nin::Shape& shape = spec.input;
      const auto names = class_names_for(spec, {});
      const ImageSetKey key{shape.channels, shape.height, shape.width, names};
      auto found = image_sets.find(key);
      if (found == image_sets.end())
        found = image_sets
                    .emplace(key, nin::cli::load_data_for(info.name, data, data_options, shape,
                                                          names, true))
                    .first;
      return found->second;
    };

    std::vector<nin::eval_tool::ModelResult> results;
    std::optional<nin::eval_tool::PredictionWriter> writer;
    if (predictions) writer.emplace(std::cout, out_format);
    // A model that cannot be read or evaluated gets an error row and a line on stderr; the others
    // are evaluated exactly as they would be alone, and the exit status says that one failed.
    int status = nin::cli::kSuccess;
    // Models of one architecture (checkpoints of a run, say) share one network: only the values
    // are copied in, and the buffers are allocated once.
    std::unique_ptr<nin::Network> network;
    std::string network_spec;
    for (const auto& path : models) {
      nin::eval_tool::ModelResult model;
      model.path = path;
      std::optional<nin::ModelContents> contents;
      try {
        contents = nin::cli::read_model_any(path);
        nin::cli::print_notes(info.name, path, contents->notes);
        nin::cli::apply_preprocessing(preprocessing, path, contents->spec.input.channels,
                                      contents->info.normalization);
      } catch (const std::bad_alloc&) {
        throw;  // the machine, not the model: nothing later would fare better
      } catch (...) {
        model.error = report_model_failure(info.name, path);
        status = nin::cli::kFailure;
        results.push_back(std::move(model));
        continue;
      }
      // A data set that cannot be read fails the run, not one model; one that cannot be made
      // for this model (an image folder for 2 input channels) fails the model.
      const nin::Dataset* dataset_pointer = nullptr;
      try {
        dataset_pointer = &dataset_for(contents->spec);
      } catch (const nin::UsageError&) {
        model.error = report_model_failure(info.name, path);
        status = nin::cli::kFailure;
        results.push_back(std::move(model));
        continue;
      }
      const nin::Dataset& dataset = *dataset_pointer;
      try {
        const std::int64_t max_batch =
            std::min<std::int64_t>(batch, std::max<std::int64_t>(1, dataset.size()));
        const std::string spec_text = nin::to_json_text(contents->spec);
        if (!network || spec_text != network_spec || network->max_batch() != max_batch) {
          network.reset();
          network = contents->build_network(max_batch, nin::NetworkUse::inference);
          network_spec = spec_text;
        } else {
          contents->copy_into(*network);
        }
        const nin::NetworkSpec& spec = contents->spec;
        model.network = spec.name.empty() ? "-" : spec.name;
        model.class_names = class_names_for(spec, dataset.class_names);
        std::function<void(const nin::Prediction&)> sink;
        if (writer)
          sink = [&](const nin::Prediction& p) { writer->write(path, p, model.class_names); };
        model.result =
            nin::evaluate(*network, dataset, {}, contents->info.normalization, top_k, sink);
      } catch (const std::bad_alloc&) {
        throw;
      } catch (...) {
        model.error = report_model_failure(info.name, path);
        status = nin::cli::kFailure;
      }
      results.push_back(std::move(model));
    }
    if (predictions) {
      for (const auto& m : results)
        if (m.error.empty())
          std::cerr << info.name << ": " << m.path << ": top-1 " << 100 * m.result.accuracy()
                    << "%, top-" << m.result.top_k << " " << 100 * m.result.topk_accuracy()
                    << "%, loss " << m.result.mean_loss() << " on " << m.result.samples
                    << " images\n";
      return status;
    }
    nin::eval_tool::write_summary(std::cout, results, out_format, confusion);
    return status;
  });
}
