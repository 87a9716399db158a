#include "common/option_table.hpp"

#include <sstream>
#include <stdexcept>

#include "nin/core/error.hpp"

namespace nin::cli {
namespace po = boost::program_options;

std::string default_text(const std::string& value) {
  return value;
}

std::string default_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

void require_choice(std::string_view option, const std::string& value,
                    const std::vector<std::string>& choices) {
  std::string names;
  for (const auto& choice : choices) {
    if (choice == value) return;
    names += (names.empty() ? "" : ", ") + choice;
  }
  throw UsageError(std::string(option) + ": '" + value + "' is not one of " + names);
}

void OptionTable::add_flag(Option option, bool* store) {
  option.kind = ValueKind::none;
  insert(std::move(option), po::bool_switch(store), {});
}

void OptionTable::add_switch(Option option) {
  option.kind = ValueKind::none;
  insert(std::move(option), new po::untyped_value(true), {});
}

void OptionTable::insert(Option option, const po::value_semantic* semantic,
                         std::function<void()> check, std::string default_shown) {
  // The semantic is owned by the description from here on, also when the declaration is refused.
  std::string names = option.name;
  if (option.short_name) names += std::string(",") + option.short_name;
  auto description =
      boost::make_shared<po::option_description>(names.c_str(), semantic, option.help.c_str());
  for (const auto& entry : entries_) {
    if (entry.option.name == option.name)
      throw std::logic_error("option --" + option.name + " is declared twice");
    if (option.short_name && entry.option.short_name == option.short_name)
      throw std::logic_error("option -" + std::string(1, option.short_name) + " is declared twice");
  }
  entries_.push_back(
      {std::move(option), std::move(description), std::move(check), std::move(default_shown)});
}

const OptionTable::Entry* OptionTable::find(std::string_view name) const {
  for (const auto& entry : entries_)
    if (entry.option.name == name) return &entry;
  return nullptr;
}

po::options_description OptionTable::visible() const {
  po::options_description options("Options");
  for (const auto& entry : entries_)
    if (!entry.option.hidden) options.add(entry.description);
  return options;
}

po::options_description OptionTable::all() const {
  po::options_description options("Options");
  for (const auto& entry : entries_) options.add(entry.description);
  return options;
}

po::positional_options_description OptionTable::positional() const {
  po::positional_options_description positional;
  for (const auto& entry : entries_)
    if (entry.option.positional != 0)
      positional.add(entry.option.name.c_str(), entry.option.positional);
  return positional;
}

void OptionTable::check(const po::variables_map& values) const {
  for (const auto& entry : entries_)
    if (entry.check && values.count(entry.option.name)) entry.check();
}

}  // namespace nin::cli
