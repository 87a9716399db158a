#pragma once
// Options that name files, and what a lone "-" means for each. Two take it as a standard stream:
// nin-params NET reads a spec from standard input, nin-train --log writes its records to standard
// output. Every other file option refuses "-" as a usage error, so that no tool reads or creates a
// file named "-" by accident ("./-" still names that file). The check is made once, by
// parse_command_line (cli.hpp), for every option declared with file_value().

#include <boost/program_options.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nin::cli {

// What a file option names; decides whether "-" is a standard stream for it and, if not, how the
// refusal words it.
enum class FileRole {
  network,            // a preset name, a spec file or a model file, read
  network_or_stdin,   // the same, or "-": a spec (JSON) read from standard input
  model,              // a model file, .h5 or .onnx, read
  checkpoint,         // a checkpoint to continue, read
  data,               // a data set: a directory or an HDF5 file, read
  class_names,        // a text file of class names, read
  model_output,       // a nin model or checkpoint written by nin-train (.h5)
  checkpoint_output,  // nin-train's checkpoint (.h5)
  converted_output,   // nin-convert's output, .h5 or .onnx
  log_or_stdout,      // a file appended to, or "-": standard output
  images_or_stdin,    // image files, or "-": their paths, one per line on standard input
  picture_output,     // an SVG picture written by the tool (.svg)
};

// A lone "-": standard input or output where an option takes it.
inline bool is_standard_stream(std::string_view path) {
  return path == "-";
}

// Throws UsageError "OPTION 'PATH': the file name must end in .svg (...)" unless it does: the
// pictures the tools draw are SVG, and a name saying otherwise would mislead a viewer.
void require_svg_name(std::string_view option, const std::string& path);

namespace detail {
class FileOption {
 public:
  explicit FileOption(FileRole role) : role_(role) {}
  virtual ~FileOption() = default;
  FileRole role() const { return role_; }

 private:
  FileRole role_;
};

template <typename T>
class FileValue final : public boost::program_options::typed_value<T>, public FileOption {
 public:
  FileValue(T* store, FileRole role)
      : boost::program_options::typed_value<T>(store), FileOption(role) {}
};
}  // namespace detail

// Declares a file option, like boost::program_options::value(store), with its role.
template <typename T>
boost::program_options::typed_value<T>* file_value(T* store, FileRole role) {
  static_assert(std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::string>>,
                "a file option holds a path or a list of paths");
  return new detail::FileValue<T>(store, role);
}

// Throws UsageError "OPTION: '-' (standard output) cannot take a model file: give a file name
// ending in .h5 or .hdf5" when a file option whose role takes no stream was given a lone "-".
// OPTION is "-o" for an option with a short name, "--data" for one without, and "MODEL" (the
// upper-case name) for a positional one.
void check_file_options(const boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description& positional,
                        const boost::program_options::variables_map& values);

}  // namespace nin::cli
