//===- FFFDialect.td - The fast feedforward dialect --------*- tablegen -*-===//
//
// The `fff` dialect: tree routing, conditional matrix multiplication, and
// whole fast feedforward (FFF) layers of both published families.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_IR_FFFDIALECT_TD
#define FFF_DIALECT_FFF_IR_FFFDIALECT_TD

include "mlir/IR/OpBase.td"

def FFF_Dialect : Dialect {
  let name = "fff";
  let cppNamespace = "::mlir::fff";
  let summary = "Fast feedforward layers: tree routing and conditional matmul";
  let description = [{
    A fast feedforward (FFF) layer replaces a dense feedforward block with a
    balanced binary tree. Per input row a few *node* neurons pick one
    root-to-leaf path, and only the weights on that path are used: the work per
    row is O(depth) instead of O(width).

    The dialect has three levels of ops, so that each compiler stage can pick
    the one it needs:

    * whole layers: `fff.leaf_mlp` (the FFF paper's leaf-MLP family, with an
      optional master leaf) and `fff.path_neuron` (UltraFastBERT's family,
      where every visited node is a neuron and several trees add up);
    * tree routing on its own: `fff.route` (row -> leaf index) and
      `fff.route_path` (row -> visited nodes and their logits);
    * conditional matrix multiplication: `fff.cmm` multiplies each row by the
      weight block(s) its index selects.

    Nodes are stored in heap (breadth-first) order: node `n` has children
    `2n+1` (left) and `2n+2` (right). All ops are destination-style on ranked
    tensors: `outs` operands give the result shapes (and, for `fff.cmm`, the
    accumulator), which keeps later tiling and bufferization simple.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class FFF_Op<string mnemonic, list<Trait> traits = []>
    : Op<FFF_Dialect, mnemonic, traits>;

#endif // FFF_DIALECT_FFF_IR_FFFDIALECT_TD
