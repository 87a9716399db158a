// nin-convert: converts models between nin's HDF5 format and ONNX, and maintains HDF5 models
// (a checkpoint stripped to a deployable model, classes renamed).

#include <iostream>

#include "common/cli.hpp"
#include "common/file_options.hpp"
#include "common/preprocessing_options.hpp"
#include "nin-convert/conversion.hpp"
#include "nin-convert/report.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-convert", "INPUT -o OUTPUT [options]",
      "Converts the model INPUT into OUTPUT; the file names say the formats: .h5 or .hdf5 for\n"
      "nin's models and checkpoints, .onnx for ONNX (opset 13). ONNX models of the NIN family\n"
      "(for example from torch.onnx.export) are imported exactly or refused with the reason."};
  return nin::cli::run(info.name, [&] {
    std::string input, output, class_names, format;
    bool softmax = false, strip = false, dry_run = false;
    nin::cli::PreprocessingOptions preprocessing;
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("input", nin::cli::file_value(&input, nin::cli::FileRole::model)->required(), "model to convert, .h5 or .onnx (positional)")
        ("output,o", nin::cli::file_value(&output, nin::cli::FileRole::converted_output)->required(), "file to write, .h5 or .onnx")
        ("softmax", po::bool_switch(&softmax), "ONNX output: end with Softmax (output 'probabilities' instead of 'logits')")
        ("strip", po::bool_switch(&strip), "HDF5 output: leave out the checkpoint (optimiser state), giving a deployable model")
        ("rename-classes", nin::cli::file_value(&class_names, nin::cli::FileRole::class_names), "file with one class name per line, replacing the model's")
        ("dry-run", po::bool_switch(&dry_run), "print what would be written and write nothing")
        ("format", po::value(&format)->default_value("md"), "--dry-run report format: md, json");
    // clang-format on
    preprocessing.add_to(options);
    po::positional_options_description positional;
    positional.add("input", 1);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, positional, values))
      return nin::cli::kSuccess;
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
