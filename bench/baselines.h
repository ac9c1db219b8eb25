// Baselines the compiled FFF layers are measured against, on the same
// weights: the dense feedforward block with every neuron (OpenBLAS sgemm),
// and the per-row tree walk an engineer would write by hand in C++.
#ifndef FFF_BENCH_BASELINES_H
#define FFF_BENCH_BASELINES_H

#include <cstdint>
#include <vector>

namespace fffbench {

/// A layer's shape and weights, in the fff op's operand order (the order
/// the compiled entry points take them; see python/fff_mlir/mlir_text.py).
struct Layer {
  bool pathNeuron = true;
  int64_t dIn = 0, dOut = 0, depth = 0, trees = 1, leafWidth = 0, master = 0;
  bool gelu = true;   // else relu (the only activations the shapes use)
  bool tieGe = false; // ge: a zero logit goes right; gt: left
  std::vector<std::vector<float>> weights;
};

/// y = act(x W1 + b1) W2 + b2 with all the layer's neurons, through
/// OpenBLAS sgemm. The activation is ReLU whatever the layer's: the cheapest,
/// so this is a lower bound on the dense block's cost.
class DenseBlas {
public:
  explicit DenseBlas(const Layer &layer);
  void run(const float *x, int64_t batch, float *y);
  int64_t hidden() const { return hidden_; }

private:
  int64_t dIn_, dOut_, hidden_;
  std::vector<float> w1_, b1_, w2_, b2_, h_;
};

/// The plain per-row loop: walk the tree, then compute what it selected.
void plainLoop(const Layer &layer, const float *x, int64_t batch, float *y);

} // namespace fffbench

#endif
