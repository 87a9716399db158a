// nin-eval: evaluates one or many models on a data set: accuracy, loss, per-class metrics,
// confusion matrices, or one line of predictions per sample; or predicts image files one by one.

#include <iostream>

#include "common/cli.hpp"
#include "common/model_loading.hpp"
#include "common/option_checks.hpp"
#include "common/option_table.hpp"
#include "common/preprocessing_options.hpp"
#include "common/shared_options.hpp"
#include "nin-eval/class_maps.hpp"
#include "nin-eval/confusion_picture.hpp"
#include "nin-eval/data_evaluation.hpp"
#include "nin-eval/image_predictions.hpp"
#include "nin-eval/shift_options.hpp"
#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/dataset.hpp"
#include "nin/dist/launch.hpp"
#include "nin/spec/network_spec.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-eval", "evaluate models on a data set, or predict image files",
      "MODEL... [--data PATH] [options]  |  MODEL --images FILE...|-  |  MODEL --class-maps DIR "
      "--limit K",
      "Evaluates each model (MODEL.h5 or MODEL.onnx) on a split of the data set at PATH (an IDX,\n"
      "CIFAR-10 or CIFAR-100 directory, an image folder or an HDF5 file): one summary row per\n"
      "model; --confusion adds per-class precision/recall/F1 and the confusion matrix;\n"
      "--confusion-svg FILE.svg draws the confusion matrix of one model as a heat map;\n"
      "--predictions prints one line per sample (with every logit in --format json).\n"
      "--shift DX,DY evaluates on the images moved DX pixels right and DY down (negative: left,\n"
      "up), the uncovered pixels black; --shift-sweep N prints one row per model and shift (dx, "
      "dy)\n"
      "for every dx and dy in -N..N, dx the outer loop, both ascending.\n"
      "--images predicts image files (PNG, JPEG), or with '-' the paths read from standard input,\n"
      "one line per file in input order.\n"
      "--class-maps DIR draws, for each of the first K images (--limit K, 1..1000), the model's\n"
      "class maps (the input of its global average pooling) into DIR/NNNNN-<true class>.png: the\n"
      "image, then one tile per class on one colour scale (viridis, that image's min..max), the\n"
      "true class framed in white, the predicted one in red; one line per file on stdout.\n"
      "Under mpirun (-np N) the samples of the data set are shared among the N processes and\n"
      "rank 0 prints exactly what one process prints; every process reads the data set and the\n"
      "models. --images and --class-maps run in rank 0 alone (the others have nothing to do):\n"
      "--images reads standard input, which mpirun gives to rank 0."};
  return nin::cli::run_collective(info.name, [&](nin::cli::CollectiveRun& run) -> int {
    using nin::cli::ValueKind;
    std::vector<std::string> models, images;
    std::string data = nin::kDefaultDataPath, split = "test", format = "md", labels = "fine";
    std::string class_names_file, class_maps, shift_text, confusion_svg;
    std::int64_t top_k = 5, batch = 256, limit = 0, sweep = 0;
    int threads = 0;
    bool predictions = false, confusion = false, center_crop = false, skip_bad = false;
    nin::cli::PreprocessingOptions preprocessing_options;
    nin::cli::OptionTable options;
    options.add({.name = "model",
                 .kind = ValueKind::model,
                 .value_name = "MODEL...",
                 .help = "model files, .h5 or .onnx (positional)",
                 .role = nin::cli::FileRole::model,
                 .positional = -1,
                 .multiple = true},
                &models);
    nin::cli::add_data(options, &data);
    options.add({.name = "split",
                 .kind = ValueKind::choice,
                 .value_name = "SPLIT",
                 .help = "test or train",
                 .choices = {"test", "train"},
                 .defaulted = true},
                &split);
    nin::cli::add_labels(options, &labels);
    nin::cli::add_limit(options, &limit);
    options.add({.name = "images",
                 .kind = ValueKind::file,
                 .value_name = "FILE...",
                 .help = "predict these image files instead; '-': one path per line on stdin",
                 .role = nin::cli::FileRole::images_or_stdin,
                 .multiple = true},
                &images);
    nin::cli::add_center_crop(options, &center_crop);
    nin::cli::add_skip_bad_images(options, &skip_bad);
    nin::cli::add_class_names(options, &class_names_file,
                              "file with one class name per line, for output");
    nin::cli::add_format(options, &format,
                         {nin::cli::Format::md, nin::cli::Format::csv, nin::cli::Format::tsv,
                          nin::cli::Format::json});
    options.add({.name = "top-k",
                 .kind = ValueKind::number,
                 .value_name = "K",
                 .help = "k of the top-k accuracy and predictions",
                 .range = nin::cli::IntRange{1, nin::kMaxSpecChannels},
                 .defaulted = true},
                &top_k);
    options.add_flag(
        {.name = "confusion", .help = "add per-class metrics and the confusion matrix"},
        &confusion);
    options.add({.name = "confusion-svg",
                 .kind = ValueKind::file,
                 .value_name = "FILE.svg",
                 .help = "draw the confusion matrix of the one model as a heat map into this SVG "
                         "file",
                 .role = nin::cli::FileRole::picture_output},
                &confusion_svg);
    options.add_flag({.name = "predictions",
                      .help = "print one line per sample instead (summary on stderr; json adds "
                              "the logits)"},
                     &predictions);
    options.add({.name = "shift",
                 .kind = ValueKind::text,
                 .value_name = "DX,DY",
                 .help = "evaluate on the images moved DX pixels right, DY down (DX,DY; negative: "
                         "left, up), uncovered pixels black"},
                &shift_text);
    options.add({.name = "shift-sweep",
                 .kind = ValueKind::number,
                 .value_name = "N",
                 .help = "evaluate every shift with DX, DY in -N..N: one row per model and "
                         "shift",
                 .range = nin::cli::IntRange{1, nin::eval_tool::kMaxShiftSweep}},
                &sweep);
    options.add({.name = "class-maps",
                 .kind = ValueKind::directory,
                 .value_name = "DIR",
                 .help = "write a PNG of the class maps of each of the first --limit images into "
                         "this directory"},
                &class_maps);
    nin::cli::add_batch(options, &batch, "images per forward pass");
    nin::cli::add_threads(options, &threads);
    preprocessing_options.add_to(options);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, values)) return nin::cli::kSuccess;
    const auto out_format =
        nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::csv,
                                        nin::cli::Format::tsv, nin::cli::Format::json});
    if (models.empty()) throw nin::UsageError("no model given");
    nin::ThreadLimit thread_limit(nin::threads_per_rank(threads, run.comm().ranks_on_host()));
    const auto preprocessing = preprocessing_options.parse();
    const auto given = [&](const char* option) { return values.count(option) > 0; };
    if (!images.empty())
      for (const char* option : {"shift", "shift-sweep"})
        if (given(option))
          throw nin::UsageError(std::string("--") + option +
                                " applies to data sets, not to --images");
    const auto shift = nin::eval_tool::parse_shift_request(
        given("shift") ? std::optional(shift_text) : std::nullopt,
        given("shift-sweep") ? std::optional(sweep) : std::nullopt);
    if (shift.sweep())
      for (const char* option : {"predictions", "confusion"})
        if (!values[option].defaulted())
          throw nin::UsageError(std::string("--shift-sweep prints one row per model and shift: ") +
                                "--" + option + " cannot be added to it");
    if (given("confusion-svg")) {
      if (models.size() != 1)
        throw nin::UsageError("--confusion-svg draws the confusion matrix of one model; " +
                              std::to_string(models.size()) + " were given");
      for (const char* option : {"images", "class-maps", "shift-sweep"})
        if (given(option))
          throw nin::UsageError(std::string("--confusion-svg cannot be combined with --") + option);
      if (run.is_writer()) nin::eval_tool::check_confusion_picture(confusion_svg, models, data);
    }
    nin::DataOptions data_options{
        split == "test" ? nin::Split::test : nin::Split::train,
        labels == "coarse" ? nin::LabelKind::coarse : nin::LabelKind::fine, limit};
    data_options.center_crop = center_crop;
    data_options.skip_bad_images = skip_bad;
    if (values.count("class-maps")) {
      if (models.size() != 1)
        throw nin::UsageError("--class-maps draws the maps of one model; " +
                              std::to_string(models.size()) + " were given");
      for (const char* option : {"images", "predictions", "confusion", "shift", "shift-sweep"})
        if (values.count(option) && !values[option].defaulted())
          throw nin::UsageError(std::string("--class-maps cannot be combined with --") + option);
      if (limit == 0)
        throw nin::UsageError("--class-maps needs --limit K, the number of images to draw (1.." +
                              std::to_string(nin::eval_tool::kMaxClassMapImages) + ")");
      nin::cli::require_range("--limit", limit, 1, nin::eval_tool::kMaxClassMapImages);
      nin::eval_tool::check_class_map_directory(class_maps);
      // One process draws the pictures; the others have nothing to do (as for --images).
      if (!run.is_writer()) return nin::cli::kSuccess;
      nin::eval_tool::ClassMapOptions o;
      o.directory = class_maps;
      o.model = models.front();
      o.data = data;
      o.data_options = data_options;
      o.preprocessing = preprocessing;
      o.class_names_file = class_names_file;
      o.format = out_format;
      o.batch = batch;
      nin::eval_tool::write_class_maps(info.name, o, std::cout);
      return nin::cli::kSuccess;
    }
    if (!images.empty()) {
      if (models.size() != 1)
        throw nin::UsageError("--images predicts with one model; " + std::to_string(models.size()) +
                              " were given");
      for (const char* option :
           {"data", "split", "labels", "limit", "confusion", "predictions", "skip-bad-images"})
        if (!values[option].defaulted())
          throw nin::UsageError(std::string("--") + option +
                                " applies to data sets, not to --images");
      // One process reads the files (or standard input) and prints as it goes; the others have
      // nothing to share and wait for it at the end of the set-up (run_collective).
      if (!run.is_writer()) return nin::cli::kSuccess;
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
      o.class_names = nin::eval_tool::class_names_for(contents.spec, class_names_file, {});
      const std::int64_t failed = nin::eval_tool::predict_images(
          info.name, *network, contents.info.normalization, images, o, std::cout);
      if (failed > 0)
        std::cerr << info.name << ": " << failed << " file" << (failed == 1 ? "" : "s")
                  << " could not be predicted\n";
      return failed > 0 ? nin::cli::kFailure : nin::cli::kSuccess;
    }

    nin::eval_tool::DataEvaluationOptions o;
    o.data = data;
    o.data_options = data_options;
    o.preprocessing = preprocessing;
    o.class_names_file = class_names_file;
    o.format = out_format;
    o.top_k = top_k;
    o.batch = batch;
    o.confusion = confusion;
    o.predictions = predictions;
    o.shift = shift;
    o.confusion_svg = confusion_svg;
    // The data set and the models are read in the collective part, each step agreed on by every
    // rank (data_evaluation.hpp): a model that one rank cannot read is an error row, not the end.
    run.setup_done();
    return nin::eval_tool::evaluate_on_data(info.name, run.comm(), models, o, std::cout);
  });
}
