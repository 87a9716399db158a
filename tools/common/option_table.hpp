#pragma once
// One declaration per option: its name, value, default, allowed choices or range, help text and
// what kind of word it takes. The Boost.ProgramOptions table, the checks after parsing, --help,
// the man page (man_page.hpp) and the bash completion (bash_completion.hpp) are all made from it,
// so that they cannot drift apart.

#include <boost/make_shared.hpp>
#include <boost/program_options.hpp>
#include <boost/shared_ptr.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "common/file_options.hpp"
#include "common/option_checks.hpp"

namespace nin::cli {

// What a value is, for the man page's placeholder and for shell completion.
enum class ValueKind {
  none,       // a flag: no value
  number,     // an integer or a real number
  text,       // free text (a list of layers, a shift, a size)
  choice,     // one of Option::choices
  file,       // any file or directory (a data set, class names, a log)
  model,      // a model file: .h5, .hdf5 or .onnx
  network,    // NET: a preset name, a spec file (.json) or a model file
  directory,  // a directory
};

struct IntRange {
  std::int64_t min;
  std::int64_t max;
};

struct Option {
  std::string name{};   // long name, without "--"
  char short_name = 0;  // e.g. 'o' for -o; 0: none
  ValueKind kind = ValueKind::none;
  std::string value_name{};            // placeholder in --help and the man page: "N", "FILE"...
  std::string help{};                  // one line, no trailing full stop
  std::vector<std::string> choices{};  // for ValueKind::choice: the only values allowed
  std::optional<IntRange> range{};     // integers: refused outside it
  std::optional<RealRange> reals{};    // real numbers: refused when not finite or outside it
  std::optional<FileRole> role{};      // file options: what "-" means (file_options.hpp)
  bool defaulted = false;  // the stored value at declaration is the default, shown in --help
  bool required = false;
  int positional = 0;     // how many positional arguments it takes (-1: any number)
  bool multiple = false;  // takes several words after the option (--images a.png b.png)
  bool hidden = false;    // parsed, but left out of --help, the man page and completion
};

// A tool's options, each declared once, in the order --help lists them.
class OptionTable {
 public:
  struct Entry {
    Option option;
    boost::shared_ptr<boost::program_options::option_description> description;
    std::function<void()> check;  // throws UsageError for a value outside the declaration
    std::string default_shown;    // the default as --help shows it; empty: none
  };

  // Declares an option whose value is stored in *store after parsing. Throws std::logic_error
  // when the name (long or short) is already declared: each option is declared once.
  template <typename T>
  void add(Option option, T* store);
  // Declares a flag: *store becomes true when it is given.
  void add_flag(Option option, bool* store);
  // A flag whose presence alone matters (variables_map::count).
  void add_switch(Option option);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const;

  // The Boost.ProgramOptions tables: what --help shows, and all (with the hidden options) to parse.
  boost::program_options::options_description visible() const;
  boost::program_options::options_description all() const;
  boost::program_options::positional_options_description positional() const;

  // Checks the stored value of every option in `values` (given, or defaulted) against its
  // declaration (choices, ranges), in declaration order; throws UsageError for the first outside.
  void check(const boost::program_options::variables_map& values) const;

 private:
  void insert(Option option, const boost::program_options::value_semantic* semantic,
              std::function<void()> check, std::string default_shown = {});
  std::vector<Entry> entries_;
};

// The text --help shows for a default value: "0.05" rather than the double at full precision.
std::string default_text(const std::string& value);
std::string default_text(double value);
template <typename T>
requires std::is_integral_v<T> std::string default_text(T value) {
  return std::to_string(value);
}

// "--format: 'xml' is not one of md, csv, tsv, json" unless `value` is one of `choices`.
void require_choice(std::string_view option, const std::string& value,
                    const std::vector<std::string>& choices);

template <typename T>
void OptionTable::add(Option option, T* store) {
  namespace po = boost::program_options;
  po::typed_value<T>* semantic = nullptr;
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::string>>) {
    semantic = option.role ? file_value(store, *option.role) : po::value(store);
  } else {
    semantic = po::value(store);
  }
  std::string shown;
  if constexpr (!std::is_same_v<T, std::vector<std::string>>) {
    if (option.defaulted) {
      shown = default_text(*store);
      semantic->default_value(*store, shown);
    }
  }
  if (option.required) semantic->required();
  if (option.multiple) semantic->multitoken();
  if (!option.value_name.empty()) semantic->value_name(option.value_name);
  const std::string name = "--" + option.name;
  std::function<void()> check;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!option.choices.empty())
      check = [store, name, choices = option.choices] { require_choice(name, *store, choices); };
  } else if constexpr (std::is_integral_v<T>) {
    if (option.range)
      check = [store, name, range = *option.range] {
        require_range(name, static_cast<std::int64_t>(*store), range.min, range.max);
      };
  } else if constexpr (std::is_floating_point_v<T>) {
    if (option.reals)
      check = [store, name, range = *option.reals] { require_finite(name, *store, range); };
  }
  insert(std::move(option), semantic, std::move(check), std::move(shown));
}

}  // namespace nin::cli
