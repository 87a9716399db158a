#pragma once
// Named recipes: nin-train argument lists that stand in for the defaults (--recipe NAME). An
// option given on the command line overrides the recipe's value; a checkpoint keeps the recipe it
// was started with, so --resume takes none.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nin::train_tool {

struct Recipe {
  std::string_view name;
  std::vector<std::string_view> arguments;  // as on a command line
};

std::span<const Recipe> recipes();
// The recipe of this name; throws UsageError naming the known ones otherwise.
const Recipe& find_recipe(std::string_view name);
// "--epochs 7 --batch 128 ...", for the note printed when a run starts.
std::string argument_text(const Recipe& recipe);

}  // namespace nin::train_tool
