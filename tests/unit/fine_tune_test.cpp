// Fine-tuning: which layers come from a model, which start afresh, and frozen layers.

#include <boost/test/unit_test.hpp>
#include <map>

#include "nin/core/error.hpp"
#include "nin/spec/preset_catalog.hpp"
#include "nin/train/fine_tune.hpp"
#include "nin/train/sgd.hpp"
#include "test_support.hpp"

namespace {

nin::NetworkSpec preset(const std::string& name) {
  return nin::load_network(name, nin::PresetCatalog({NIN_TEST_MODELS_DIR}));
}

// A trained-looking model: initialised with one seed, then every value nudged, so that a copied
// value cannot be mistaken for a fresh initialisation.
nin::ModelContents model_of(const nin::NetworkSpec& spec) {
  nin::Network network(spec, 1);
  network.initialize(7);
  auto values = network.parameter_values();
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] += nin::test::random_real(9, i, -0.01f, 0.01f);
  for (const auto& s : network.state())
    for (std::int64_t i = 0; i < s.state->size(); ++i) s.state->value[i] += 0.25f;
  return nin::contents_of(network, {});
}

std::map<std::string, std::vector<float>> values_by_layer(nin::Network& network) {
  std::map<std::string, std::vector<float>> layers;
  for (const auto& p : network.parameters())
    layers[p.layer].insert(layers[p.layer].end(), p.parameter->value,
                           p.parameter->value + p.parameter->size());
  for (const auto& s : network.state())
    layers[s.layer].insert(layers[s.layer].end(), s.state->value, s.state->value + s.state->size());
  return layers;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fine_tune)

BOOST_AUTO_TEST_CASE(same_spec_copies_every_layer) {
  const auto spec = preset("nin-mnist-bn");
  const auto model = model_of(spec);
  nin::Network network(spec, 1);
  network.initialize(1);
  const auto transfer = nin::transfer_weights(model, network);
  BOOST_TEST(transfer.initialized.empty());
  BOOST_TEST(transfer.copied.size() == 18u);  // nine convolutions, nine batch norms
  const auto values = network.parameter_values();
  BOOST_TEST(std::equal(values.begin(), values.end(), model.parameters.begin()));
  const auto state = network.state();
  for (std::size_t i = 0; i < state.size(); ++i)
    BOOST_TEST(std::equal(model.state[i].begin(), model.state[i].end(), state[i].state->value));
}

BOOST_AUTO_TEST_CASE(new_class_count_starts_only_the_classifier_afresh) {
  const auto spec = preset("nin-mnist-bn");
  const auto model = model_of(spec);
  nin::Network original(spec, 1);
  model.copy_into(original);
  const auto before = values_by_layer(original);

  const auto three = nin::with_classes(spec, 3);
  nin::Network fresh(three, 1);
  fresh.initialize(1);
  const auto initialised = values_by_layer(fresh);
  nin::Network network(three, 1);
  network.initialize(1);
  const auto transfer = nin::transfer_weights(model, network);
  BOOST_TEST_REQUIRE(transfer.initialized.size() == 2u);
  BOOST_TEST(transfer.initialized[0].layer == "cccp6");
  BOOST_TEST(transfer.initialized[0].reason == "weight 10×96×1×1 in the model, 3×96×1×1 here");
  BOOST_TEST(transfer.initialized[1].layer == "cccp6_bn");
  const auto after = values_by_layer(network);
  for (const auto& [layer, values] : after) {
    if (layer == "cccp6" || layer == "cccp6_bn")
      BOOST_TEST((values == initialised.at(layer)), layer << " kept its initialisation");
    else
      BOOST_TEST((values == before.at(layer)), layer << " holds the model's values");
  }
}

BOOST_AUTO_TEST_CASE(reinit_and_missing_layers) {
  const auto spec = preset("nin-mnist-bn");
  const auto model = model_of(spec);
  nin::Network network(spec, 1);
  network.initialize(1);
  const auto transfer = nin::transfer_weights(model, network, {"conv1"});
  BOOST_TEST_REQUIRE(transfer.initialized.size() == 1u);
  BOOST_TEST(transfer.initialized[0].layer == "conv1");
  BOOST_TEST(transfer.initialized[0].reason == "--reinit");
  BOOST_CHECK_THROW(nin::transfer_weights(model, network, {"nope"}), nin::UsageError);

  // A model of another architecture: the layers it lacks start afresh.
  const auto other = model_of(preset("nin-mnist"));
  nin::Network bn(spec, 1);
  bn.initialize(1);
  const auto partial = nin::transfer_weights(other, bn);
  for (const auto& fresh : partial.initialized) BOOST_TEST(!fresh.reason.empty(), fresh.layer);
  BOOST_TEST(!partial.initialized.empty());
}

BOOST_AUTO_TEST_CASE(frozen_layers_take_no_step) {
  const auto spec = preset("nin-mnist-bn");
  nin::Network network(spec, 2);
  network.initialize(3);
  nin::freeze_layers(network, {"conv1", "cccp1_bn"});
  BOOST_CHECK_THROW(nin::freeze_layers(network, {"pool1"}), nin::UsageError);
  BOOST_CHECK_THROW(nin::freeze_layers(network, {"nope"}), nin::UsageError);
  const auto before = values_by_layer(network);
  const auto images = nin::test::random_reals(2 * spec.input.elements(), 5, -1.0f, 1.0f);
  const std::int32_t labels[] = {1, 7};
  nin::Sgd sgd(network, {0.9, 5e-4, true});
  for (int step = 0; step < 2; ++step) {
    network.forward(images.data(), 2, nin::Phase::train);
    network.backward(labels);
    sgd.step(0.1);
  }
  const auto after = values_by_layer(network);
  for (const auto& p : network.parameters()) {
    const bool frozen = p.layer == "conv1" || p.layer == "cccp1_bn";
    // Running statistics still follow the data, as in Caffe (lr_mult 0) and PyTorch.
    if (p.layer.ends_with("_bn") && !frozen) continue;
    const auto& a = before.at(p.layer);
    const auto& b = after.at(p.layer);
    if (frozen) {
      const auto n = static_cast<std::size_t>(p.parameter->size());
      BOOST_TEST(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()),
                 p.layer << " changed");
    } else {
      BOOST_TEST((a != b), p.layer << " did not change");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
