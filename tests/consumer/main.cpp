// A program outside the project that uses an installed nin: it loads a preset spec, builds an
// inference network from it, runs one image of zeros through it and prints what came out.
#include <exception>
#include <iostream>
#include <vector>

#include <nin/net/network.hpp>
#include <nin/spec/network_spec.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: nin-consumer SPEC.json\n";
    return 2;
  }
  try {
    nin::Network network(nin::load_network_spec(argv[1]), 1, nin::NetworkUse::inference);
    network.initialize(1);
    const std::vector<float> image(static_cast<std::size_t>(network.spec().input.elements()), 0.0f);
    network.forward(image.data(), 1, nin::Phase::eval);
    std::vector<float> logits(static_cast<std::size_t>(network.spec().classes));
    network.copy_logits(logits.data());
    std::cout << network.spec().name << ": " << logits.size() << " logits\n";
  } catch (const std::exception& e) {
    std::cerr << "nin-consumer: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
