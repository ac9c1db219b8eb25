//===- FFFOps.cpp - Verifiers of the fff dialect's ops -------------------===//
//
// ODS checks ranks and element types; the shape relations between operands
// (node counts from depth, matching widths, batch sizes) are checked here.
// Every message names the operand, the expected and the actual size, and the
// rule behind it. Dynamic sizes are accepted and left to run time, but two
// static sizes that must both equal one dynamic size must agree.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "ShapeRules.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

//===----------------------------------------------------------------------===//
// Shape-rule helpers
//===----------------------------------------------------------------------===//


/// The result type of cmm and leaf_mlp: that of `init`, their last operand.
static LogicalResult inferFromLastOperand(ValueRange operands,
                                          SmallVectorImpl<Type> &inferred) {
  if (operands.empty())
    return failure();
  inferred.push_back(operands.back().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// RouteOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyRoute(RouteOp op,
                                 SmallVectorImpl<DynamicShapeRule> *sink) {
  int64_t nodes = getLeafTreeNodeCount(op.getDepth());
  return ShapeRules(op, sink)
      .dim("node_weights", op.getNodeWeights(), 0, nodes, "2^depth - 1 nodes")
      .dim("node_biases", op.getNodeBiases(), 0, nodes, "2^depth - 1 nodes")
      .same("node_weights", op.getNodeWeights(), 1, "input", op.getInput(), 1,
            "feature width")
      .same("init", op.getInit(), 0, "input", op.getInput(), 0, "batch")
      .indexWidth("init", op.getInit(), getLeafCount(op.getDepth()) - 1)
      .result();
}

LogicalResult RouteOp::verify() { return verifyRoute(*this, nullptr); }

//===----------------------------------------------------------------------===//
// RoutePathOp
//===----------------------------------------------------------------------===//

int64_t RoutePathOp::getNodesPerTree() {
  return getPathTreeNodeCount(getDepth());
}

int64_t RoutePathOp::getPathLength() { return getTrees() * (getDepth() + 1); }

/// Rows of the node arrays of `trees` path-neuron trees, or a failure when
/// that count would overflow a tensor dimension.
static FailureOr<int64_t> getPathNodeRows(Operation *op, int64_t trees,
                                          int64_t depth) {
  int64_t perTree = getPathTreeNodeCount(depth);
  if (trees > std::numeric_limits<int64_t>::max() / perTree)
    return op->emitOpError()
           << "trees * (2^(depth+1) - 1) overflows: trees = " << trees
           << ", depth = " << depth;
  return trees * perTree;
}

static LogicalResult verifyRoutePath(RoutePathOp op,
                                     SmallVectorImpl<DynamicShapeRule> *sink) {
  FailureOr<int64_t> rows = getPathNodeRows(op, op.getTrees(), op.getDepth());
  if (failed(rows))
    return failure();
  std::string nodeRule = "trees * (2^(depth+1) - 1) nodes";
  std::string pathRule = "trees * (depth + 1) visited nodes";
  return ShapeRules(op, sink)
      .dim("node_weights", op.getNodeWeights(), 0, *rows, nodeRule)
      .dim("node_biases", op.getNodeBiases(), 0, *rows, nodeRule)
      .same("node_weights", op.getNodeWeights(), 1, "input", op.getInput(), 1,
            "feature width")
      .same("nodes_init", op.getNodesInit(), 0, "input", op.getInput(), 0,
            "batch")
      .same("logits_init", op.getLogitsInit(), 0, "input", op.getInput(), 0,
            "batch")
      .dim("nodes_init", op.getNodesInit(), 1, op.getPathLength(), pathRule)
      .dim("logits_init", op.getLogitsInit(), 1, op.getPathLength(), pathRule)
      .indexWidth("nodes_init", op.getNodesInit(), *rows - 1)
      .result();
}

LogicalResult RoutePathOp::verify() { return verifyRoutePath(*this, nullptr); }

//===----------------------------------------------------------------------===//
// CmmOp
//===----------------------------------------------------------------------===//

LogicalResult CmmOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  return inferFromLastOperand(operands, inferredReturnTypes);
}

static LogicalResult verifyCmm(CmmOp op,
                               SmallVectorImpl<DynamicShapeRule> *sink) {
  int64_t lhsRank = op.getLhs().getType().getRank();
  int64_t indicesRank = op.getIndices().getType().getRank();
  if (indicesRank != lhsRank - 1)
    return op.emitOpError() << "'indices' must have rank " << lhsRank - 1
                            << " for a rank-" << lhsRank
                            << " 'lhs' (one index per row for rank 2, B x P "
                               "indices for rank 3), but got "
                            << op.getIndices().getType();
  ShapeRules rules(op, sink);
  rules.same("indices", op.getIndices(), 0, "lhs", op.getLhs(), 0, "batch")
      .same("init", op.getInit(), 0, "lhs", op.getLhs(), 0, "batch")
      .same("bank", op.getBank(), 1, "lhs", op.getLhs(), lhsRank - 1,
            "reduction width")
      .same("init", op.getInit(), 1, "bank", op.getBank(), 2, "output width");
  if (op.isMultiIndex())
    rules.same("indices", op.getIndices(), 1, "lhs", op.getLhs(), 1,
               "indices per row");
  if (Value bias = op.getBias()) {
    if (getElementTypeOrSelf(bias) != getElementTypeOrSelf(op.getInit()))
      return op.emitOpError()
             << "'bias' element type must match 'init', but got "
             << bias.getType() << " and " << op.getInit().getType();
    rules.same("bias", bias, 0, "bank", op.getBank(), 0, "block count")
        .same("bias", bias, 1, "bank", op.getBank(), 2, "output width");
  }
  return rules.result();
}

LogicalResult CmmOp::verify() { return verifyCmm(*this, nullptr); }

//===----------------------------------------------------------------------===//
// LeafMlpOp
//===----------------------------------------------------------------------===//

/// The master leaf: exactly five operands of fixed ranks and the layer's
/// element type, sized by the input width, its own width m, and the output.
static LogicalResult verifyMasterLeaf(LeafMlpOp op, ShapeRules &rules) {
  if (!op.hasMasterLeaf())
    return success();
  static constexpr StringLiteral names[] = {
#define FFF_MASTER_WEIGHT(NAME, RANK) NAME,
#include "fff/Dialect/FFF/IR/FFFWeights.def"
  };
  static constexpr int64_t ranks[] = {
#define FFF_MASTER_WEIGHT(NAME, RANK) RANK,
#include "fff/Dialect/FFF/IR/FFFWeights.def"
  };
  if (op.getMaster().size() != std::size(names))
    return op.emitOpError()
           << "'master' takes " << std::size(names) << " operands ("
           << llvm::join(ArrayRef<StringLiteral>(names), ", ") << "), but got " << op.getMaster().size();
  Type elementType = getElementTypeOrSelf(op.getInput());
  for (auto [value, name, rank] : llvm::zip(op.getMaster(), names, ranks)) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() != rank || type.getElementType() != elementType)
      return op.emitOpError()
             << "master leaf operand '" << name << "' must be a rank-" << rank
             << " tensor of " << elementType << ", but got " << type;
  }
  Value w1 = op.getMagicW1(), b1 = op.getMagicB1(), w2 = op.getMagicW2(),
        b2 = op.getMagicB2();
  rules.same("magic_w1", w1, 0, "input", op.getInput(), 1, "feature width")
      .same("magic_b1", b1, 0, "magic_w1", w1, 1, "master width")
      .same("magic_w2", w2, 0, "magic_w1", w1, 1, "master width")
      .same("magic_w2", w2, 1, "init", op.getInit(), 1, "output width")
      .same("magic_b2", b2, 0, "init", op.getInit(), 1, "output width");
  return rules.result();
}

LogicalResult LeafMlpOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  return inferFromLastOperand(operands, inferredReturnTypes);
}

static LogicalResult verifyLeafMlp(LeafMlpOp op,
                                   SmallVectorImpl<DynamicShapeRule> *sink) {
  int64_t nodes = getLeafTreeNodeCount(op.getDepth());
  int64_t leaves = getLeafCount(op.getDepth());
  ShapeRules rules(op, sink);
  rules.dim("node_weights", op.getNodeWeights(), 0, nodes, "2^depth - 1 nodes")
      .dim("node_biases", op.getNodeBiases(), 0, nodes, "2^depth - 1 nodes")
      .same("node_weights", op.getNodeWeights(), 1, "input", op.getInput(), 1,
            "feature width")
      .dim("w1", op.getW1(), 0, leaves, "2^depth leaves")
      .dim("b1", op.getB1(), 0, leaves, "2^depth leaves")
      .dim("w2", op.getW2(), 0, leaves, "2^depth leaves")
      .dim("b2", op.getB2(), 0, leaves, "2^depth leaves")
      .same("w1", op.getW1(), 1, "input", op.getInput(), 1, "feature width")
      .same("b1", op.getB1(), 1, "w1", op.getW1(), 2, "leaf width")
      .same("w2", op.getW2(), 1, "w1", op.getW1(), 2, "leaf width")
      .same("init", op.getInit(), 0, "input", op.getInput(), 0, "batch")
      .same("w2", op.getW2(), 2, "init", op.getInit(), 1, "output width")
      .same("b2", op.getB2(), 1, "init", op.getInit(), 1, "output width");
  if (failed(rules.result()))
    return failure();
  return verifyMasterLeaf(op, rules);
}

LogicalResult LeafMlpOp::verify() { return verifyLeafMlp(*this, nullptr); }

//===----------------------------------------------------------------------===//
// PathNeuronOp
//===----------------------------------------------------------------------===//

int64_t PathNeuronOp::getNodesPerTree() {
  return getPathTreeNodeCount(getDepth());
}

static LogicalResult verifyPathNeuron(PathNeuronOp op,
                                      SmallVectorImpl<DynamicShapeRule> *sink) {
  FailureOr<int64_t> rows = getPathNodeRows(op, op.getTrees(), op.getDepth());
  if (failed(rows))
    return failure();
  std::string nodeRule = "trees * (2^(depth+1) - 1) nodes";
  return ShapeRules(op, sink)
      .dim("node_weights", op.getNodeWeights(), 0, *rows, nodeRule)
      .dim("node_biases", op.getNodeBiases(), 0, *rows, nodeRule)
      .dim("output_weights", op.getOutputWeights(), 0, *rows, nodeRule)
      .same("node_weights", op.getNodeWeights(), 1, "input", op.getInput(), 1,
            "feature width")
      .same("init", op.getInit(), 0, "input", op.getInput(), 0, "batch")
      .same("output_weights", op.getOutputWeights(), 1, "init", op.getInit(), 1,
            "output width")
      .result();
}

LogicalResult PathNeuronOp::verify() {
  return verifyPathNeuron(*this, nullptr);
}

//===----------------------------------------------------------------------===//
// Shape rules left to run time
//===----------------------------------------------------------------------===//

SmallVector<DynamicShapeRule> fff::getDynamicShapeRules(Operation *op) {
  SmallVector<DynamicShapeRule> rules;
  LogicalResult verified =
      TypeSwitch<Operation *, LogicalResult>(op)
          .Case([&](RouteOp o) { return verifyRoute(o, &rules); })
          .Case([&](RoutePathOp o) { return verifyRoutePath(o, &rules); })
          .Case([&](CmmOp o) { return verifyCmm(o, &rules); })
          .Case([&](LeafMlpOp o) { return verifyLeafMlp(o, &rules); })
          .Case([&](PathNeuronOp o) { return verifyPathNeuron(o, &rules); })
          .Case([&](GroupedMatmulOp o) { return verifyGroupedMatmul(o, &rules); })
          .Default([](Operation *) { return success(); });
  (void)verified; // the op was verified before any pass ran
  return rules;
}

LogicalResult fff::reifyShapesOfInits(OpBuilder &builder,
                                      DestinationStyleOpInterface op,
                                      ReifiedRankedShapedTypeDims &shapes) {
  for (OpOperand &init : op.getDpsInitsMutable()) {
    auto type = dyn_cast<RankedTensorType>(init.get().getType());
    if (!type)
      return failure();
    SmallVector<OpFoldResult> &shape = shapes.emplace_back();
    for (int64_t d = 0, e = type.getRank(); d < e; ++d)
      shape.push_back(
          type.isDynamicDim(d)
              ? OpFoldResult(tensor::DimOp::create(builder, op.getLoc(),
                                                   init.get(), d)
                                 .getResult())
              : OpFoldResult(builder.getIndexAttr(type.getDimSize(d))));
  }
  return success();
}

#define GET_OP_CLASSES
#include "fff/Dialect/FFF/IR/FFFOps.cpp.inc"
