// nin-params: prints a network's layer table with shapes, parameter counts, MACs and activation
// memory, in the notation of the seed's table 4.4.

#include <iostream>

#include "common/cli.hpp"
#include "common/model_loading.hpp"
#include "common/option_table.hpp"
#include "common/preprocessing_options.hpp"
#include "common/shared_options.hpp"
#include "nin-params/report.hpp"
#include "nin/core/error.hpp"
#include "nin/spec/preset_catalog.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{"nin-params", "print a network's layer table", "NET [options]",
                                    "Prints the layer table of NET (a preset name, a spec file or "
                                    "a model file): sizes, kernels, parameter\n"
                                    "counts with their formulas, MACs and activation memory."};
  return nin::cli::run(info.name, [&] {
    using nin::cli::ValueKind;
    std::string net, input, format = "md", language = "en";
    std::int64_t classes = 0, batch = 1;
    nin::cli::PreprocessingOptions preprocessing_options;
    nin::cli::OptionTable options;
    options.add({.name = "net",
                 .kind = ValueKind::network,
                 .value_name = "NET",
                 .help = "preset name, spec file or model file (positional); -: a spec read from "
                         "standard input",
                 .role = nin::cli::FileRole::network_or_stdin,
                 .required = true,
                 .positional = 1},
                &net);
    options.add({.name = "input",
                 .kind = ValueKind::text,
                 .value_name = "HxWxC",
                 .help = "re-infer shapes for this input, HxWxC (e.g. 28x28x1)"},
                &input);
    options.add({.name = "classes",
                 .kind = ValueKind::number,
                 .value_name = "N",
                 .help = "re-infer shapes for this number of classes",
                 .range = nin::cli::IntRange{1, nin::kMaxSpecChannels}},
                &classes);
    // Activation memory is only counted, never allocated: any batch a spec allows.
    nin::cli::add_batch(options, &batch, "batch size for activation memory",
                        {1, nin::kMaxSpecChannels});
    nin::cli::add_format(options, &format,
                         {nin::cli::Format::md, nin::cli::Format::csv, nin::cli::Format::tsv,
                          nin::cli::Format::json});
    options.add({.name = "lang",
                 .kind = ValueKind::choice,
                 .value_name = "LANG",
                 .help = "language of headers and layer kinds: en, zh",
                 .choices = {"en", "zh"},
                 .defaulted = true},
                &language);
    options.add_switch({.name = "compare-fc",
                        .help = "also show what a fully connected classifier would cost instead "
                                "of global average pooling"});
    preprocessing_options.add_to(options);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, values)) return nin::cli::kSuccess;

    nin::params::ReportOptions report;
    report.format = nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::csv,
                                                    nin::cli::Format::tsv, nin::cli::Format::json});
    report.language = language == "zh" ? nin::params::Language::zh : nin::params::Language::en;
    report.batch = batch;
    report.compare_fc = values.count("compare-fc") > 0;

    auto spec = nin::cli::load_network_any(net);
    // Counts do not depend on the input's scaling, but the options are checked as nin-eval
    // checks them, so that one command line serves both tools.
    nin::Normalization unused;
    nin::cli::apply_preprocessing(preprocessing_options.parse(), net, spec.input.channels, unused);
    if (values.count("input"))
      spec = nin::with_input(std::move(spec), nin::cli::parse_input_shape(input));
    if (values.count("classes")) spec = nin::with_classes(std::move(spec), classes);
    nin::params::write_report(std::cout, spec, report);
    return nin::cli::kSuccess;
  });
}
