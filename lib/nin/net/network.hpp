#pragma once
// A network built from a spec: every layer and buffer is allocated once for a maximum batch, and
// forward/backward then run without allocating. Parameters and their gradients live in two flat
// buffers (one contiguous block each), so an optimiser can treat them as one vector. A ReLU that
// follows a convolution or batch normalisation is fused into it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nin/core/tensor.hpp"
#include "nin/layers/layer.hpp"
#include "nin/layers/softmax_loss.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

// Per-layer wall time, in milliseconds, summed over the passes run while it is attached.
struct LayerTimes {
  std::vector<std::string> names;
  std::vector<std::int64_t> macs;   // per image, of each step's forward (layer_cost)
  std::vector<bool> data_gradient;  // whether the step's backward computes its input's gradient
  std::vector<double> forward_ms;
  std::vector<double> backward_ms;
};

// What a network is built for. An inference network keeps no gradients and only the input and
// output of the running step, so it needs a fraction of the memory; it refuses train-phase passes.
enum class NetworkUse { training, inference };

class Network {
 public:
  Network(NetworkSpec spec, std::int64_t max_batch, NetworkUse use = NetworkUse::training);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const NetworkSpec& spec() const { return spec_; }
  std::int64_t max_batch() const { return max_batch_; }
  NetworkUse use() const { return use_; }

  // Weights from the spec's initialisers (Gaussian std or He/Kaiming), biases and shifts 0,
  // scales 1, running statistics 0 and 1; dropout streams restart. Same seed, same bits.
  void initialize(std::uint64_t seed);

  // Runs the network on n ≤ max_batch images stored image after image, each C×H×W. With a
  // share (training across processes), the n images are this process's share of a global batch
  // (n = share->images(), possibly 0): batch statistics and, in backward, the gradients and the
  // loss are those of the global batch, the same bits whatever the number of processes.
  void forward(const float* images, std::int64_t n, Phase phase, const BatchShare* share = nullptr);

  // Logits of the latest forward, [classes][n].
  ConstActivations logits() const;
  // The same, copied out as n rows of `classes` values.
  void copy_logits(float* rows) const;

  // The class maps of the latest forward: the activations that entered the last global average
  // pooling step, [classes][n][h][w] (the NIN paper reads them as one confidence map per class).
  // With a ReLU fused into the convolution before it, or a batch normalisation folded into that
  // convolution, they are what that step read, ReLU and normalisation applied. In an inference
  // network later steps reuse the memory, so the maps are only there when no later step writes
  // over what the pooling read (true when the pooling ends the network, as in every NIN preset).
  // has_class_maps() says so; class_maps() throws Error "has no global average pooling layer, so no
  // class maps" (or "... its input is overwritten by layer 'x' ...") otherwise, and Error before
  // the first forward.
  bool has_class_maps() const { return class_maps_problem().empty(); }
  ConstActivations class_maps() const;

  // After a train-phase forward: the loss against labels, then the gradients of the mean loss
  // with respect to every parameter (each gradient is overwritten, never accumulated). With a
  // share, the loss and the gradients are the global batch's, on every process. The target is
  // smoothed by label_smoothing (see softmax_cross_entropy). The activations' gradients are
  // written over activations no longer needed, so logits(), class_maps() and evaluate() throw
  // Error until the next forward.
  LossResult backward(const std::int32_t* labels, double label_smoothing = 0.0);

  // Loss and accuracy of the latest forward without gradients.
  LossResult evaluate(const std::int32_t* labels) const;

  struct NamedParameter {
    std::string layer;
    Parameter* parameter;
  };
  std::vector<NamedParameter> parameters();
  struct NamedState {
    std::string layer;
    StateTensor* state;
  };
  std::vector<NamedState> state();
  std::span<float> parameter_values() {
    return {values_.data(), static_cast<std::size_t>(values_.size())};
  }
  std::span<float> parameter_gradients() {
    return {grads_.data(), static_cast<std::size_t>(grads_.size())};
  }

  // Copies every parameter and state tensor (running statistics) from a network built from the
  // same spec, e.g. a training network into an inference one.
  void copy_parameters_from(Network& source);

  // Positions of the random streams (one per dropout layer, in order), saved in checkpoints so
  // that a resumed run draws the same masks.
  std::vector<std::uint64_t> random_state() const;
  void set_random_state(const std::vector<std::uint64_t>& passes);

  // Floats of the activation buffers and, in a training network, of their gradients.
  std::int64_t arena_floats() const { return arena_.size(); }

  // Steps actually executed (fused ReLUs are not steps); for per-layer timing.
  std::size_t step_count() const { return steps_.size(); }
  void attach_timer(LayerTimes* times);

 private:
  struct Step {
    std::unique_ptr<Layer> layer;
    std::size_t input;   // buffer index
    std::size_t output;  // buffer index (== input for in-place layers)
    Shape input_shape, output_shape;
  };
  // Places every activation buffer (capacities in floats) and, in a training network, every
  // buffer's gradient in one arena, and allocates it.
  void lay_out_arena(const std::vector<std::int64_t>& capacities);
  Activations view(std::size_t buffer, const Shape& shape, std::int64_t n);
  Activations gradient_view(std::size_t buffer, const Shape& shape, std::int64_t n);
  void check_activations(const char* what) const;
  // Why class_maps() cannot answer (empty: it can), and the step whose input it reads.
  std::string class_maps_problem() const;
  const Step* class_map_step() const;

  NetworkSpec spec_;
  std::int64_t max_batch_;
  NetworkUse use_;
  std::int64_t batch_ = 0;         // of the latest forward
  BatchShare share_{1};            // of the latest forward; the layers point to it
  std::vector<double> loss_sums_;  // [chunks][loss, hits], then the totals
  std::vector<Step> steps_;
  Tensor arena_;  // activation buffers (buffer 0 is the input) and, in training, their gradients
  std::vector<std::int64_t> capacities_;        // floats, per buffer
  std::vector<std::int64_t> buffer_offsets_;    // in arena_, per buffer
  std::vector<std::int64_t> gradient_offsets_;  // in arena_, per buffer (training)
  bool activations_overwritten_ = false;        // by the latest backward
  bool training_forward_ = false;               // the latest forward was a training pass
  Tensor backward_scratch_;                     // shared by the layers' backward passes
  Tensor values_, grads_;                       // flat parameter storage
  LayerTimes* times_ = nullptr;
};

}  // namespace nin
