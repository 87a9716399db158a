// nin-params: prints a network's layer table with shapes, parameter counts, MACs and activation
// memory, in the notation of the seed's table 4.4.

#include <iostream>

#include "common/cli.hpp"
#include "common/file_options.hpp"
#include "common/model_loading.hpp"
#include "common/option_checks.hpp"
#include "common/preprocessing_options.hpp"
#include "nin-params/report.hpp"
#include "nin/core/error.hpp"
#include "nin/spec/preset_catalog.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{"nin-params", "NET [options]",
                                    "Prints the layer table of NET (a preset name, a spec file or "
                                    "a model file): sizes, kernels, parameter\n"
                                    "counts with their formulas, MACs and activation memory."};
  return nin::cli::run(info.name, [&] {
    std::string net, input, format, language;
    std::int64_t classes = 0, batch = 1;
    nin::cli::PreprocessingOptions preprocessing_options;
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("net", nin::cli::file_value(&net, nin::cli::FileRole::network_or_stdin)->required(), "preset name, spec file or model file (positional); -: a spec read from standard input")
        ("input", po::value(&input), "re-infer shapes for this input, HxWxC (e.g. 28x28x1)")
        ("classes", po::value(&classes), "re-infer shapes for this number of classes")
        ("batch", po::value(&batch)->default_value(1), "batch size for activation memory")
        ("format", po::value(&format)->default_value("md"), "output format: md, csv, tsv, json")
        ("lang", po::value(&language)->default_value("en"), "language of headers and layer kinds: en, zh")
        ("compare-fc", "also show what a fully connected classifier would cost instead of global average pooling");
    // clang-format on
    preprocessing_options.add_to(options);
    po::positional_options_description positional;
    positional.add("net", 1);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, positional, values))
      return nin::cli::kSuccess;

    nin::params::ReportOptions report;
    report.format = nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::csv,
                                                    nin::cli::Format::tsv, nin::cli::Format::json});
    if (language != "en" && language != "zh")
      throw nin::UsageError("--lang: '" + language + "' is not one of en, zh");
    report.language = language == "zh" ? nin::params::Language::zh : nin::params::Language::en;
    nin::cli::require_range("--batch", batch, 1, nin::kMaxSpecChannels);
    report.batch = batch;
    report.compare_fc = values.count("compare-fc") > 0;

    auto spec = nin::cli::load_network_any(net);
    // Counts do not depend on the input's scaling, but the options are checked as nin-eval
    // checks them, so that one command line serves both tools.
    nin::Normalization unused;
    nin::cli::apply_preprocessing(preprocessing_options.parse(), net, spec.input.channels, unused);
    if (values.count("input"))
      spec = nin::with_input(std::move(spec), nin::cli::parse_input_shape(input));
    if (values.count("classes")) {
      nin::cli::require_range("--classes", classes, 1, nin::kMaxSpecChannels);
      spec = nin::with_classes(std::move(spec), classes);
    }
    nin::params::write_report(std::cout, spec, report);
    return nin::cli::kSuccess;
  });
}
