#pragma once
// The interface every layer implements, with its contracts:
// - Shapes were validated when the spec was loaded; a layer is built once for a maximum batch and
//   allocates everything it needs then. forward/backward run on any batch up to that maximum and
//   allocate nothing (per-thread scratch is created on a thread's first use only, and a layer
//   used outside a network its backward scratch on its first backward).
// - forward writes `out` from `in`; the phase is explicit (dropout and batch normalisation differ).
// - backward receives dL/d(out) and OVERWRITES the layer's parameter gradients with this batch's
//   contribution (the sum over the batch; nothing accumulates across calls). When in_grad.data is
//   not null it OVERWRITES in_grad with dL/d(in); the first layer passes null and skips that work.
//   `in` and `out` hold the values of the latest train-phase forward; out_grad may be used as
//   scratch. In-place layers (in_place() true) get in == out and in_grad == out_grad.
// - Results do not depend on the number of threads: work is split by problem size only.
// - Nor on the number of processes: a layer that sums over the batch (a gradient, batch-norm
//   statistics) sums within each chunk of the global batch and combines the chunks through its
//   BatchShare (nin/dist/batch_share.hpp), which the network sets before each pass; work units
//   never straddle a chunk boundary, so each chunk is computed alike whoever holds it.

#include <cstdint>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/core/tensor.hpp"
#include "nin/dist/batch_share.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

enum class Phase { train, eval };

// A trainable tensor: value and gradient are views into the network's flat buffers.
struct Parameter {
  std::string name;  // weight, bias, scale, shift
  std::vector<std::int64_t> dims;
  float lr_mult = 1.0f;
  bool weight_decay = true;
  float* value = nullptr;
  float* grad = nullptr;
  std::int64_t size() const {
    std::int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
  }
};

// Non-trainable state stored with a model (batch normalisation's running statistics).
struct StateTensor {
  std::string name;
  std::vector<std::int64_t> dims;
  float* value = nullptr;
  std::int64_t size() const {
    std::int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
  }
};

class Layer {
 public:
  explicit Layer(const LayerSpec& spec) : spec_(spec) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const LayerSpec& spec() const { return spec_; }
  virtual bool in_place() const { return false; }

  // Whether a ReLU that follows this layer can be folded into it.
  virtual bool can_fuse_relu() const { return false; }
  void fuse_relu() { fused_relu_ = true; }
  bool fused_relu() const { return fused_relu_; }

  std::vector<Parameter>& parameters() { return parameters_; }
  std::vector<StateTensor>& state() { return state_; }

  // Sets parameters (and state) to their initial values for this seed.
  virtual void initialize(std::uint64_t /*seed*/) {}

  // This process's share of the global batch for the passes that follow (the network's; not
  // owned). Without one, a layer's batch is the whole batch of a single process.
  void set_batch_share(const BatchShare* share) { share_ = share; }

  virtual void forward(ConstActivations in, Activations out, Phase phase) = 0;
  virtual void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                        Activations in_grad) = 0;

  // Scratch a layer needs only while its backward runs (the per-chunk partial sums of its
  // parameter gradients). A network runs one layer's backward at a time, so it hands all of its
  // layers one block of the largest size before the first pass; a layer used on its own allocates
  // a block of its own on its first backward.
  virtual std::int64_t backward_scratch_floats() const { return 0; }
  void share_backward_scratch(float* scratch) { shared_backward_scratch_ = scratch; }

 protected:
  LayerSpec spec_;
  bool fused_relu_ = false;
  std::vector<Parameter> parameters_;  // declared by the layer, bound by the network
  std::vector<StateTensor> state_;     // owned by the layer
  const BatchShare* share_ = nullptr;

  // The share for a pass over `batch` local images.
  BatchShare batch_share(std::int64_t batch) const { return share_ ? *share_ : BatchShare(batch); }

  // backward_scratch_floats() floats for this backward pass.
  float* backward_scratch() {
    if (shared_backward_scratch_) return shared_backward_scratch_;
    if (backward_scratch_floats() == 0)
      throw Error("layer '" + spec_.name + "' was built for inference and has no backward pass");
    if (own_backward_scratch_.empty()) own_backward_scratch_ = Tensor({backward_scratch_floats()});
    return own_backward_scratch_.data();
  }

 private:
  float* shared_backward_scratch_ = nullptr;
  Tensor own_backward_scratch_;
};

}  // namespace nin
