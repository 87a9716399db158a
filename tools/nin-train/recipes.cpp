#include "nin-train/recipes.hpp"

#include <array>

#include "nin/core/error.hpp"

namespace nin::train_tool {

namespace {
// Chosen on Fashion-MNIST, on a validation split held out of the training set (README.md, "Time
// to accuracy"). A recipe other than the defaults lists its values in full, so that it stays what
// was measured when the defaults change.
const std::array<Recipe, 3> kRecipes = {{
    {"main", {}},  // the defaults: 3 epochs at batch 128, about ten minutes on two cores
    {"fast",       // under 20 minutes on two cores
     {"--net", "nin-mnist-bn-light-dropout", "--epochs", "8", "--batch", "128", "--lr", "0.2",
      "--eval-every", "0"}},
    // Under 60 minutes on two cores of an AMD EPYC of family 26 (about 100 s an epoch; 24 epochs
    // fit on family 25): fast's network and rates, as many epochs as fit, and random erasing
    // against the overfitting a longer schedule brings.
    {"accurate",
     {"--net", "nin-mnist-bn-light-dropout", "--epochs", "30", "--batch", "128", "--lr", "0.2",
      "--erase", "0.25", "--eval-every", "0"}},
}};
}  // namespace

std::span<const Recipe> recipes() {
  return kRecipes;
}

const Recipe& find_recipe(std::string_view name) {
  std::string known;
  for (const Recipe& recipe : kRecipes) {
    if (recipe.name == name) return recipe;
    known += (known.empty() ? "" : ", ") + std::string(recipe.name);
  }
  throw UsageError("--recipe: unknown recipe '" + std::string(name) + "' (known: " + known + ")");
}

std::string argument_text(const Recipe& recipe) {
  std::string text;
  for (const std::string_view argument : recipe.arguments)
    text += (text.empty() ? "" : " ") + std::string(argument);
  return text.empty() ? "the defaults" : text;
}

}  // namespace nin::train_tool
