// nin-convert: converts models between nin's HDF5 format and ONNX, and maintains HDF5 models
// (a checkpoint stripped to a deployable model, classes renamed).

#include <iostream>

#include "common/cli.hpp"
#include "common/option_table.hpp"
#include "common/preprocessing_options.hpp"
#include "common/shared_options.hpp"
#include "nin-convert/conversion.hpp"
#include "nin-convert/report.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-convert", "convert models between nin's HDF5 format and ONNX",
      "INPUT -o OUTPUT [options]",
      "Converts the model INPUT into OUTPUT; the file names say the formats: .h5 or .hdf5 for\n"
      "nin's models and checkpoints, .onnx for ONNX (opset 13). ONNX models of the NIN family\n"
      "(for example from torch.onnx.export) are imported exactly or refused with the reason."};
  return nin::cli::run(info.name, [&] {
    using nin::cli::ValueKind;
    std::string input, output, class_names, format = "md";
    bool softmax = false, strip = false, dry_run = false;
    nin::cli::PreprocessingOptions preprocessing;
    nin::cli::OptionTable options;
    options.add({.name = "input",
                 .kind = ValueKind::model,
                 .value_name = "INPUT",
                 .help = "model to convert, .h5 or .onnx (positional)",
                 .role = nin::cli::FileRole::model,
                 .required = true,
                 .positional = 1},
                &input);
    options.add({.name = "output",
                 .short_name = 'o',
                 .kind = ValueKind::model,
                 .value_name = "OUTPUT",
                 .help = "file to write, .h5 or .onnx",
                 .role = nin::cli::FileRole::converted_output,
                 .required = true},
                &output);
    options.add_flag(
        {.name = "softmax",
         .help = "ONNX output: end with Softmax (output 'probabilities' instead of 'logits')"},
        &softmax);
    options.add_flag({.name = "strip",
                      .help = "HDF5 output: leave out the checkpoint (optimiser state), giving a "
                              "deployable model"},
                     &strip);
    options.add({.name = "rename-classes",
                 .kind = ValueKind::file,
                 .value_name = "FILE",
                 .help = "file with one class name per line, replacing the model's",
                 .role = nin::cli::FileRole::class_names},
                &class_names);
    options.add_flag({.name = "dry-run", .help = "print what would be written and write nothing"},
                     &dry_run);
    nin::cli::add_format(options, &format, {nin::cli::Format::md, nin::cli::Format::json},
                         "--dry-run report format");
    preprocessing.add_to(options);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, values)) return nin::cli::kSuccess;
    const auto report_format =
        nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::json});

    nin::convert_tool::ConversionOptions request;
    request.input = input;
    request.output = output;
    request.softmax = softmax;
    request.strip = strip;
    if (values.count("rename-classes")) request.class_names_file = class_names;
    request.dry_run = dry_run;
    request.preprocessing = preprocessing.parse();
    nin::convert_tool::Conversion conversion = nin::convert_tool::prepare_conversion(request);
    if (dry_run) {  // the report holds the notes
      nin::convert_tool::write_report(std::cout, conversion, report_format);
      return nin::cli::kSuccess;
    }
    nin::cli::print_notes(info.name, request.input, conversion.model.notes);
    nin::convert_tool::write_conversion(conversion);
    return nin::cli::kSuccess;
  });
}
