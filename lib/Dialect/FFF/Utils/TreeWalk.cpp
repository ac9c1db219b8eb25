//===- TreeWalk.cpp - Walks down the trees --------------------------------===//

#include "fff/Dialect/FFF/Utils/TreeWalk.h"

#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::fff;

SmallVector<Value> fff::buildTreeWalk(OpBuilder &b, Location loc, Value x,
                                      Value row, Value nodeWeights,
                                      Value nodeBiases, Value base,
                                      int64_t levels, TieRule tie,
                                      int64_t vectorWidth, ValueRange carried,
                                      TreeWalkVisitor onNode) {
  auto onLevel = [&](OpBuilder &nb, Location nl, Value level,
                     ValueRange globals, ValueRange logits, ValueRange values) {
    return onNode(nb, nl, level, globals[0], logits[0], values);
  };
  return buildInterleavedTreeWalk(
      b, loc, x, ValueRange{row}, nodeWeights, nodeBiases, base, levels, tie,
      vectorWidth, carried,
      onNode ? InterleavedWalkVisitor(onLevel) : InterleavedWalkVisitor());
}

SmallVector<Value> fff::buildInterleavedTreeWalk(
    OpBuilder &b, Location loc, Value x, ValueRange rows, Value nodeWeights,
    Value nodeBiases, Value base, int64_t levels, TieRule tie,
    int64_t vectorWidth, ValueRange carried, InterleavedWalkVisitor onLevel) {
  size_t n = rows.size();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value numLevels = arith::ConstantIndexOp::create(b, loc, levels);
  Value width = dimValue(b, loc, x, 1);
  SmallVector<Value> inits(n, zero);
  llvm::append_range(inits, carried);
  auto loop = scf::ForOp::create(
      b, loc, zero, numLevels, one, inits,
      [&](OpBuilder &nb, Location nl, Value level, ValueRange args) {
        SmallVector<Value> globals, biases;
        for (size_t i = 0; i < n; ++i) {
          globals.push_back(arith::AddIOp::create(nb, nl, base, args[i]));
          biases.push_back(
              tensor::ExtractOp::create(nb, nl, nodeBiases, globals.back()));
        }
        SmallVector<SmallVector<Value>> xRows, wRows;
        for (size_t i = 0; i < n; ++i) {
          xRows.push_back({rows[i]});
          wRows.push_back({globals[i]});
        }
        SmallVector<Value> logits = buildInterleavedDots(
            nb, nl, x, xRows, nodeWeights, wRows, width, biases, vectorWidth);
        SmallVector<Value> yields;
        for (size_t i = 0; i < n; ++i)
          yields.push_back(buildChild(nb, nl, args[i],
                                      buildGoesRight(nb, nl, logits[i], tie)));
        if (onLevel)
          llvm::append_range(yields, onLevel(nb, nl, level, globals, logits,
                                             args.drop_front(n)));
        else
          llvm::append_range(yields, args.drop_front(n));
        scf::YieldOp::create(nb, nl, yields);
      });
  return SmallVector<Value>(loop.getResults());
}

SmallVector<WalkPath> fff::buildUnrolledWalk(
    OpBuilder &b, Location loc, Value x, ValueRange rows, Value nodeWeights,
    Value nodeBiases, Value base, ValueRange starts, int64_t levels,
    TieRule tie, int64_t vectorWidth, int64_t levelsPerStep) {
  assert(rows.size() == starts.size() && "one start node per row");
  assert((levelsPerStep == 1 || levelsPerStep == 2) && "1 or 2 levels a step");
  size_t n = rows.size();
  Value width = dimValue(b, loc, x, 1);
  Value one = constantIndex(b, loc, 1);
  SmallVector<WalkPath> paths(n);
  SmallVector<Value> nodes(starts);
  for (int64_t level = 0; level < levels;) {
    // A step of two levels takes the node's and both children's logits in
    // one pass over x (Treebeard's tiling): one more dot product, but the
    // child's waits only on the node's decision, not on another dot.
    bool pair = levelsPerStep == 2 && level + 1 < levels;
    int64_t perRow = pair ? 3 : 1;
    SmallVector<Value> globals, biases;
    SmallVector<SmallVector<Value>> xRows, wRows;
    for (size_t i = 0; i < n; ++i) {
      Value global = arith::AddIOp::create(b, loc, base, nodes[i]);
      globals.push_back(global);
      if (pair) {
        Value nodePlusOne = arith::AddIOp::create(b, loc, nodes[i], one);
        Value left = arith::AddIOp::create(b, loc, global, nodePlusOne);
        globals.push_back(left);
        globals.push_back(arith::AddIOp::create(b, loc, left, one));
      }
    }
    for (size_t j = 0; j < globals.size(); ++j) {
      biases.push_back(tensor::ExtractOp::create(b, loc, nodeBiases, globals[j]));
      xRows.push_back({rows[j / perRow]});
      wRows.push_back({globals[j]});
    }
    SmallVector<Value> logits = buildInterleavedDots(
        b, loc, x, xRows, nodeWeights, wRows, width, biases, vectorWidth);
    for (size_t i = 0; i < n; ++i) {
      Value logit = logits[i * perRow];
      paths[i].globals.push_back(globals[i * perRow]);
      paths[i].logits.push_back(logit);
      Value right = buildGoesRight(b, loc, logit, tie);
      nodes[i] = buildChild(b, loc, nodes[i], right);
      if (!pair)
        continue;
      Value childLogit = arith::SelectOp::create(
          b, loc, right, logits[i * perRow + 2], logits[i * perRow + 1]);
      paths[i].globals.push_back(arith::AddIOp::create(b, loc, base, nodes[i]));
      paths[i].logits.push_back(childLogit);
      nodes[i] = buildChild(b, loc, nodes[i],
                            buildGoesRight(b, loc, childLogit, tie));
    }
    level += pair ? 2 : 1;
  }
  for (size_t i = 0; i < n; ++i)
    paths[i].end = nodes[i];
  return paths;
}

SmallVector<Value> fff::buildPathActivations(OpBuilder &b, Location loc,
                                             const WalkPath &path,
                                             Activation act,
                                             int64_t vectorWidth) {
  SmallVector<Value> acts;
  int64_t levels = path.logits.size();
  if (vectorWidth == 0 || levels < 2) {
    for (Value logit : path.logits)
      acts.push_back(buildActivation(b, loc, logit, act));
    return acts;
  }
  auto type = VectorType::get({levels}, path.logits.front().getType());
  Value logits = vector::FromElementsOp::create(b, loc, type, path.logits);
  Value all = buildActivation(b, loc, logits, act);
  for (int64_t level = 0; level < levels; ++level)
    acts.push_back(
        vector::ExtractOp::create(b, loc, all, ArrayRef<int64_t>{level}));
  return acts;
}

Value fff::buildPathOutput(OpBuilder &b, Location loc, Value dst,
                           ValueRange dstPrefix, const WalkPath &path,
                           Activation act, Value outputWeights,
                           int64_t vectorWidth, bool accumulate) {
  SmallVector<Value> scales =
      buildPathActivations(b, loc, path, act, vectorWidth);
  SmallVector<ValueRange> prefixes;
  for (const Value &global : path.globals)
    prefixes.push_back(ValueRange(global));
  Value len = dimValue(b, loc, dst, dstPrefix.size());
  return buildMultiAxpy(b, loc, dst, dstPrefix, scales, outputWeights, prefixes,
                        len, vectorWidth, accumulate);
}
