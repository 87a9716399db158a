#pragma once
// Starting a run from a trained model (Caffe's --weights, as distinct from resuming a snapshot):
// the parameters and running statistics of every layer that the new network shares with the model
// — same name, same type, tensors of the same shapes — are copied; the other layers keep their
// fresh initialisation. Frozen layers then take no updates.

#include <string>
#include <vector>

#include "nin/io/model_contents.hpp"
#include "nin/net/network.hpp"

namespace nin {

struct WeightTransfer {
  std::vector<std::string> copied;  // layers whose values came from the model
  struct Fresh {
    std::string layer;
    std::string reason;  // "not in the model", "shape 10×96×1×1 in the model, 3×96×1×1 here"
  };
  std::vector<Fresh> initialized;  // layers with parameters or state that kept their initialisation
};

// Copies from `model` into `network` (built and initialised) layer by layer, as described above;
// layers named in `reinitialize` are left as they are. Throws UsageError for a name in
// `reinitialize` that the network does not have.
WeightTransfer transfer_weights(const ModelContents& model, Network& network,
                                const std::vector<std::string>& reinitialize = {});

// Throws UsageError "OPTION: the network has no layer 'NAME'" for a name `spec` does not have.
void check_layer_names(const std::string& option, const std::vector<std::string>& names,
                       const NetworkSpec& spec);

// Gives every parameter of the named layers a learning rate of zero and no weight decay. Throws
// UsageError for a name the network does not have or a layer without parameters.
void freeze_layers(Network& network, const std::vector<std::string>& layers);

}  // namespace nin
