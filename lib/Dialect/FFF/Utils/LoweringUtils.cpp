//===- LoweringUtils.cpp - IR builders shared by fff lowerings -----------===//

#include "fff/Dialect/FFF/Utils/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fff;

std::string fff::checkRowLoopOptions(int64_t rowBlock, int64_t interleave) {
  if (rowBlock < 1)
    return ("row-block must be >= 1, got " + Twine(rowBlock)).str();
  if (interleave < 1 || interleave > kMaxInterleave)
    return ("interleave must be in [1, " + Twine(kMaxInterleave) + "], got " +
            Twine(interleave))
        .str();
  if (interleave > 1 && rowBlock > 1)
    return "row-block and interleave cannot both be above 1 (interleaved "
           "groups are the blocks)";
  return "";
}

std::string fff::checkVectorWidth(int64_t width) {
  if (width >= 0 && width <= kMaxVectorWidth)
    return "";
  return ("vector-width must be in [0, " + Twine(kMaxVectorWidth) + "], got " +
          Twine(width))
      .str();
}

Value fff::floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

/// A constant of `value` shaped like `like` (scalar float or vector).
static Value constantLike(OpBuilder &b, Location loc, Value like,
                          double value) {
  Type type = like.getType();
  if (auto vec = dyn_cast<VectorType>(type)) {
    auto attr = b.getFloatAttr(vec.getElementType(), value);
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vec, attr));
  }
  return floatConstant(b, loc, type, value);
}

Value fff::dimValue(OpBuilder &b, Location loc, Value v, int64_t dim) {
  int64_t size = cast<ShapedType>(v.getType()).getDimSize(dim);
  if (!ShapedType::isDynamic(size))
    return arith::ConstantIndexOp::create(b, loc, size);
  return tensor::DimOp::create(b, loc, v, dim);
}

SmallVector<Operation *> fff::collectWholeLayers(Operation *root) {
  SmallVector<Operation *> layers;
  root->walk([&](Operation *op) {
    if (isa<LeafMlpOp, PathNeuronOp>(op))
      layers.push_back(op);
  });
  return layers;
}

Value fff::castIndex(OpBuilder &b, Location loc, Value v, Type to) {
  if (v.getType() == to)
    return v;
  // Signless indices are signed (the verifier checks widths that way); a
  // negative one becomes a huge unsigned index, which bounds checks reject.
  return arith::IndexCastOp::create(b, loc, to, v);
}

//===----------------------------------------------------------------------===//
// Activations and decisions
//===----------------------------------------------------------------------===//

Value fff::buildSigmoid(OpBuilder &b, Location loc, Value v) {
  Value one = constantLike(b, loc, v, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// `act(v)` in v's own (f32 or f64) type.
static Value buildActivationInPlaceType(OpBuilder &b, Location loc, Value v,
                                        Activation act) {
  auto c = [&](double value) { return constantLike(b, loc, v, value); };
  auto mul = [&](Value x, Value y) {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto add = [&](Value x, Value y) {
    return arith::AddFOp::create(b, loc, x, y);
  };
  switch (act) {
  case Activation::identity:
    return v;
  case Activation::relu:
    // maximumf propagates NaN, like the reference's np.maximum.
    return arith::MaximumFOp::create(b, loc, v, c(0.0));
  case Activation::gelu: {
    Value scaled = arith::DivFOp::create(b, loc, v, c(std::sqrt(2.0)));
    Value erf = math::ErfOp::create(b, loc, scaled);
    return mul(mul(c(0.5), v), add(c(1.0), erf));
  }
  case Activation::gelu_tanh: {
    Value cube = mul(mul(v, v), v);
    Value inner = mul(c(std::sqrt(2.0 / M_PI)), add(v, mul(c(0.044715), cube)));
    Value t = math::TanhOp::create(b, loc, inner);
    return mul(mul(c(0.5), v), add(c(1.0), t));
  }
  case Activation::silu: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(b, loc, v, add(c(1.0), e));
  }
  }
  llvm_unreachable("unknown activation");
}

Value fff::buildActivation(OpBuilder &b, Location loc, Value v,
                           Activation act) {
  Type elem = getElementTypeOrSelf(v.getType());
  if (act == Activation::identity || elem.getIntOrFloatBitWidth() >= 32)
    return buildActivationInPlaceType(b, loc, v, act);
  // f16/bf16: libm and LLVM's math intrinsics want f32.
  Type wide = b.getF32Type();
  if (auto vec = dyn_cast<VectorType>(v.getType()))
    wide = vec.clone(wide);
  Value ext = arith::ExtFOp::create(b, loc, wide, v);
  Value res = buildActivationInPlaceType(b, loc, ext, act);
  return arith::TruncFOp::create(b, loc, v.getType(), res);
}

Value fff::buildGoesRight(OpBuilder &b, Location loc, Value s, TieRule tie) {
  // Ordered predicates are false on NaN: a NaN logit goes left.
  auto pred = tie == TieRule::ge ? arith::CmpFPredicate::OGE
                                 : arith::CmpFPredicate::OGT;
  return arith::CmpFOp::create(b, loc, pred, s, constantLike(b, loc, s, 0.0));
}

Value fff::buildChild(OpBuilder &b, Location loc, Value node, Value goesRight) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value right =
      arith::IndexCastUIOp::create(b, loc, b.getIndexType(), goesRight);
  Value twice = arith::ShLIOp::create(b, loc, node, one);
  return arith::AddIOp::create(
      b, loc, arith::AddIOp::create(b, loc, twice, one), right);
}

//===----------------------------------------------------------------------===//
// Row primitives: dot product, axpy, zeroing
//===----------------------------------------------------------------------===//

static SmallVector<Value> withLast(ValueRange prefix, Value last) {
  SmallVector<Value> indices(prefix);
  indices.push_back(last);
  return indices;
}

Value fff::buildWholeVectorsEnd(OpBuilder &b, Location loc, Value len,
                                int64_t width) {
  Value w = arith::ConstantIndexOp::create(b, loc, width);
  return arith::SubIOp::create(b, loc, len,
                               arith::RemUIOp::create(b, loc, len, w));
}

/// A scalar `scf.for` over [lb, ub) carrying `init`.
static Value
scalarLoop(OpBuilder &b, Location loc, Value lb, Value ub, Value init,
           function_ref<Value(OpBuilder &, Location, Value, Value)> step) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, one, ValueRange{init},
      [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, nl, step(nb, nl, iv, args[0]));
      });
  return loop.getResult(0);
}

Value fff::buildDot(OpBuilder &b, Location loc, Value a, ValueRange aPrefix,
                    Value w, ValueRange wPrefix, Value len, Value init,
                    int64_t vectorWidth) {
  return buildInterleavedDots(b, loc, a, {SmallVector<Value>(aPrefix)}, w,
                              {SmallVector<Value>(wPrefix)}, len, {init},
                              vectorWidth)[0];
}

/// Runs `vectorStep` on whole vectors of [0, len) and `scalarStep` on the
/// rest, threading the tensor `dst` through both.
static Value
rowUpdate(OpBuilder &b, Location loc, Value dst, Value len, int64_t vectorWidth,
          function_ref<Value(OpBuilder &, Location, Value, Value)> vectorStep,
          function_ref<Value(OpBuilder &, Location, Value, Value)> scalarStep) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value tailStart = zero;
  if (vectorWidth > 0) {
    tailStart = buildWholeVectorsEnd(b, loc, len, vectorWidth);
    Value step = arith::ConstantIndexOp::create(b, loc, vectorWidth);
    auto loop = scf::ForOp::create(
        b, loc, zero, tailStart, step, ValueRange{dst},
        [&](OpBuilder &nb, Location nl, Value j, ValueRange args) {
          scf::YieldOp::create(nb, nl, vectorStep(nb, nl, j, args[0]));
        });
    dst = loop.getResult(0);
  }
  return scalarLoop(b, loc, tailStart, len, dst, scalarStep);
}

SmallVector<Value>
fff::buildInterleavedDots(OpBuilder &b, Location loc, Value a,
                          ArrayRef<SmallVector<Value>> aPrefixes, Value w,
                          ArrayRef<SmallVector<Value>> wPrefixes, Value len,
                          ValueRange inits, int64_t vectorWidth) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  size_t n = inits.size();
  Type elem = inits.front().getType();
  Value tailStart = zero;
  SmallVector<Value> sums(inits);
  if (vectorWidth > 0) {
    auto vecType = VectorType::get({vectorWidth}, elem);
    Value pad = floatConstant(b, loc, elem, 0.0);
    Value vzero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType, b.getFloatAttr(elem, 0.0)));
    // Each row's sum is split over `chains` accumulators so that consecutive
    // FMAs do not wait on each other; with several rows interleaved their
    // own chains already overlap, so fewer per row are needed.
    int64_t chains = std::max<int64_t>(1, kDotChains / static_cast<int64_t>(n));
    // One loop step: `count` vectors of every row from column k, each into
    // accumulator `c` of its row.
    auto step = [&](OpBuilder &nb, Location nl, Value k, ValueRange accs,
                    int64_t count) {
      SmallVector<Value> next(accs);
      for (size_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < count; ++c) {
          Value kc = c == 0
                         ? k
                         : arith::AddIOp::create(nb, nl, k,
                                                 arith::ConstantIndexOp::create(
                                                     nb, nl, c * vectorWidth));
          Value va = vector::TransferReadOp::create(nb, nl, vecType, a,
                                                    withLast(aPrefixes[i], kc),
                                                    pad, ArrayRef<bool>{true});
          Value vw = vector::TransferReadOp::create(nb, nl, vecType, w,
                                                    withLast(wPrefixes[i], kc),
                                                    pad, ArrayRef<bool>{true});
          next[i * count + c] =
              vector::FMAOp::create(nb, nl, va, vw, accs[i * count + c]);
        }
      return next;
    };
    Value wideEnd = buildWholeVectorsEnd(b, loc, len, vectorWidth * chains);
    auto wide = scf::ForOp::create(
        b, loc, zero, wideEnd,
        arith::ConstantIndexOp::create(b, loc, vectorWidth * chains),
        SmallVector<Value>(n * chains, vzero),
        [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
          scf::YieldOp::create(nb, nl, step(nb, nl, k, accs, chains));
        });
    SmallVector<Value> rowAccs;
    for (size_t i = 0; i < n; ++i) {
      Value acc = wide.getResult(i * chains);
      for (int64_t c = 1; c < chains; ++c)
        acc =
            arith::AddFOp::create(b, loc, acc, wide.getResult(i * chains + c));
      rowAccs.push_back(acc);
    }
    // The whole vectors after the last whole group of `chains`.
    tailStart = buildWholeVectorsEnd(b, loc, len, vectorWidth);
    if (chains > 1)
      rowAccs = SmallVector<Value>(
          scf::ForOp::create(
              b, loc, wideEnd, tailStart,
              arith::ConstantIndexOp::create(b, loc, vectorWidth), rowAccs,
              [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
                scf::YieldOp::create(nb, nl, step(nb, nl, k, accs, 1));
              })
              .getResults());
    for (size_t i = 0; i < n; ++i)
      sums[i] = arith::AddFOp::create(
          b, loc, sums[i],
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                      rowAccs[i]));
  }
  auto tail = scf::ForOp::create(
      b, loc, tailStart, len, one, sums,
      [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
        SmallVector<Value> next;
        for (size_t i = 0; i < n; ++i) {
          Value x =
              tensor::ExtractOp::create(nb, nl, a, withLast(aPrefixes[i], k));
          Value y =
              tensor::ExtractOp::create(nb, nl, w, withLast(wPrefixes[i], k));
          next.push_back(arith::AddFOp::create(
              nb, nl, accs[i], arith::MulFOp::create(nb, nl, x, y)));
        }
        scf::YieldOp::create(nb, nl, next);
      });
  return SmallVector<Value>(tail.getResults());
}

Value fff::buildAxpy(OpBuilder &b, Location loc, Value dst,
                     ValueRange dstPrefix, Value s, Value src,
                     ValueRange srcPrefix, Value len, int64_t vectorWidth) {
  return buildMultiAxpy(b, loc, dst, dstPrefix, {s}, src, {srcPrefix}, len,
                        vectorWidth);
}

Value fff::buildMultiAxpy(OpBuilder &b, Location loc, Value dst,
                          ValueRange dstPrefix, ArrayRef<Value> scales,
                          Value src, ArrayRef<ValueRange> srcPrefixes,
                          Value len, int64_t vectorWidth, bool accumulate) {
  assert(scales.size() == srcPrefixes.size() && "one source row per scale");
  Type elem = scales.front().getType();
  auto vecType = VectorType::get({std::max<int64_t>(vectorWidth, 1)}, elem);
  Value pad = floatConstant(b, loc, elem, 0.0);
  SmallVector<Value> vscales;
  Value vzero, zero = floatConstant(b, loc, elem, 0.0);
  if (vectorWidth > 0) {
    for (Value s : scales)
      vscales.push_back(vector::BroadcastOp::create(b, loc, vecType, s));
    vzero = constantLike(b, loc, vscales.front(), 0.0);
  }
  return rowUpdate(
      b, loc, dst, len, vectorWidth,
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        // The destination chunk stays in a register across all terms.
        Value acc = accumulate ? vector::TransferReadOp::create(
                                     nb, nl, vecType, cur,
                                     withLast(dstPrefix, j), pad,
                                     ArrayRef<bool>{true})
                               : vzero;
        for (auto [vs, prefix] : llvm::zip_equal(vscales, srcPrefixes)) {
          Value vsrc = vector::TransferReadOp::create(nb, nl, vecType, src,
                                                      withLast(prefix, j), pad,
                                                      ArrayRef<bool>{true});
          acc = vector::FMAOp::create(nb, nl, vs, vsrc, acc);
        }
        return vector::TransferWriteOp::create(nb, nl, acc, cur,
                                               withLast(dstPrefix, j),
                                               ArrayRef<bool>{true})
            .getResult();
      },
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        Value acc = accumulate ? tensor::ExtractOp::create(
                                     nb, nl, cur, withLast(dstPrefix, j))
                               : zero;
        for (auto [s, prefix] : llvm::zip_equal(scales, srcPrefixes)) {
          Value x = tensor::ExtractOp::create(nb, nl, src, withLast(prefix, j));
          acc = arith::AddFOp::create(nb, nl, acc,
                                      arith::MulFOp::create(nb, nl, s, x));
        }
        return Value(
            tensor::InsertOp::create(nb, nl, acc, cur, withLast(dstPrefix, j)));
      });
}

Value fff::buildZeroRow(OpBuilder &b, Location loc, Value dst,
                        ValueRange dstPrefix, Value len, int64_t vectorWidth) {
  Type elem = cast<ShapedType>(dst.getType()).getElementType();
  Value zero = floatConstant(b, loc, elem, 0.0);
  Value vzero;
  if (vectorWidth > 0)
    vzero = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({vectorWidth}, elem),
                               b.getFloatAttr(elem, 0.0)));
  return rowUpdate(
      b, loc, dst, len, vectorWidth,
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        return vector::TransferWriteOp::create(nb, nl, vzero, cur,
                                               withLast(dstPrefix, j),
                                               ArrayRef<bool>{true})
            .getResult();
      },
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        return Value(tensor::InsertOp::create(nb, nl, zero, cur,
                                              withLast(dstPrefix, j)));
      });
}

Value fff::buildGeneric(
    OpBuilder &b, Location loc, int64_t numDims, ValueRange ins, Value out,
    ArrayRef<SmallVector<int64_t>> operandDims,
    ArrayRef<utils::IteratorType> iters,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (const SmallVector<int64_t> &dims : operandDims) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d : dims)
      exprs.push_back(getAffineDimExpr(d, ctx));
    maps.push_back(AffineMap::get(numDims, 0, exprs, ctx));
  }
  return linalg::GenericOp::create(
             b, loc, TypeRange{out.getType()}, ins, ValueRange{out}, maps,
             iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// Tree walk and row loop
//===----------------------------------------------------------------------===//

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

SmallVector<WalkPath>
fff::buildUnrolledWalk(OpBuilder &b, Location loc, Value x, ValueRange rows,
                       Value nodeWeights, Value nodeBiases, Value base,
                       ValueRange starts, int64_t levels, TieRule tie,
                       int64_t vectorWidth) {
  assert(rows.size() == starts.size() && "one start node per row");
  size_t n = rows.size();
  Value width = dimValue(b, loc, x, 1);
  SmallVector<WalkPath> paths(n);
  SmallVector<Value> nodes(starts);
  for (int64_t level = 0; level < levels; ++level) {
    SmallVector<Value> biases;
    SmallVector<SmallVector<Value>> xRows, wRows;
    for (size_t i = 0; i < n; ++i) {
      Value global = arith::AddIOp::create(b, loc, base, nodes[i]);
      paths[i].globals.push_back(global);
      biases.push_back(tensor::ExtractOp::create(b, loc, nodeBiases, global));
      xRows.push_back({rows[i]});
      wRows.push_back({global});
    }
    SmallVector<Value> logits = buildInterleavedDots(
        b, loc, x, xRows, nodeWeights, wRows, width, biases, vectorWidth);
    for (size_t i = 0; i < n; ++i) {
      paths[i].logits.push_back(logits[i]);
      nodes[i] =
          buildChild(b, loc, nodes[i], buildGoesRight(b, loc, logits[i], tie));
    }
  }
  for (size_t i = 0; i < n; ++i)
    paths[i].end = nodes[i];
  return paths;
}

Value fff::buildPathOutput(OpBuilder &b, Location loc, Value dst,
                           ValueRange dstPrefix, const WalkPath &path,
                           Activation act, Value outputWeights,
                           int64_t vectorWidth, bool accumulate) {
  SmallVector<Value> scales;
  for (Value logit : path.logits)
    scales.push_back(buildActivation(b, loc, logit, act));
  SmallVector<ValueRange> prefixes;
  for (const Value &global : path.globals)
    prefixes.push_back(ValueRange(global));
  Value len = dimValue(b, loc, dst, dstPrefix.size());
  return buildMultiAxpy(b, loc, dst, dstPrefix, scales, outputWeights,
                        prefixes, len, vectorWidth, accumulate);
}

RowSlice fff::rowRange(OpBuilder &b, Location loc, Value tensor,
                       OpFoldResult first, OpFoldResult count) {
  auto type = cast<RankedTensorType>(tensor.getType());
  RowSlice slice;
  slice.offsets.assign(type.getRank(), b.getIndexAttr(0));
  slice.offsets[0] = first;
  slice.strides.assign(type.getRank(), b.getIndexAttr(1));
  slice.sizes.push_back(count);
  for (int64_t d = 1; d < type.getRank(); ++d)
    slice.sizes.push_back(
        type.isDynamicDim(d)
            ? OpFoldResult(dimValue(b, loc, tensor, d))
            : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  return slice;
}

RowSlice fff::extractRows(OpBuilder &b, Location loc, Value tensor,
                          OpFoldResult first, OpFoldResult count) {
  RowSlice slice = rowRange(b, loc, tensor, first, count);
  slice.value = tensor::ExtractSliceOp::create(b, loc, tensor, slice.offsets,
                                               slice.sizes, slice.strides);
  return slice;
}

SmallVector<Value> fff::buildRowLoop(OpBuilder &b, Location loc,
                                     ValueRange inits, int64_t rowBlock,
                                     RowBodyBuilder body) {
  Value batch = dimValue(b, loc, inits.front(), 0);
  Value block = arith::ConstantIndexOp::create(b, loc, rowBlock);
  Value numBlocks = arith::CeilDivUIOp::create(b, loc, batch, block);
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{numBlocks},
                                      inits, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value first = arith::MulIOp::create(b, loc, forall.getInductionVar(0), block);

  SmallVector<RowSlice> blocks;
  SmallVector<Value> results;
  if (rowBlock == 1) {
    for (Value shared : forall.getRegionIterArgs())
      blocks.push_back(extractRows(b, loc, shared, first, b.getIndexAttr(1)));
    results =
        body(b, loc, first,
             llvm::map_to_vector(blocks, [](RowSlice &s) { return s.value; }));
  } else {
    // Blocks of up to rowBlock rows (fewer in the last one), then one row at
    // a time. The body works on a one-row slice of each block, inserted back
    // afterwards: threading the whole block through the body's chain of loops
    // instead makes one-shot bufferization's buffer-type queries through
    // nested scf.for iter_args exponential in the chain length.
    Value rows = arith::MinUIOp::create(
        b, loc, block, arith::SubIOp::create(b, loc, batch, first));
    for (Value shared : forall.getRegionIterArgs())
      blocks.push_back(extractRows(b, loc, shared, first, rows));
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(
        b, loc, zero, rows, one,
        llvm::map_to_vector(blocks, [](RowSlice &s) { return s.value; }),
        [&](OpBuilder &nb, Location nl, Value local, ValueRange args) {
          Value row = arith::AddIOp::create(nb, nl, first, local);
          SmallVector<RowSlice> rowSlices;
          for (Value blockValue : args)
            rowSlices.push_back(
                extractRows(nb, nl, blockValue, local, nb.getIndexAttr(1)));
          SmallVector<Value> rowResults =
              body(nb, nl, row, llvm::map_to_vector(rowSlices, [](RowSlice &s) {
                     return s.value;
                   }));
          SmallVector<Value> updated;
          for (auto [result, slice, blockValue] :
               llvm::zip_equal(rowResults, rowSlices, args))
            updated.push_back(tensor::InsertSliceOp::create(
                nb, nl, result, blockValue, slice.offsets, slice.sizes,
                slice.strides));
          scf::YieldOp::create(nb, nl, updated);
        });
    results = SmallVector<Value>(loop.getResults());
  }

  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [result, slice, shared] :
       llvm::zip_equal(results, blocks, forall.getRegionIterArgs()))
    tensor::ParallelInsertSliceOp::create(b, loc, result, shared, slice.offsets,
                                          slice.sizes, slice.strides);
  return SmallVector<Value>(forall.getResults());
}

Value fff::buildInterleavedRowLoop(OpBuilder &b, Location loc, Value init,
                                   int64_t interleave,
                                   InterleavedBodyBuilder group,
                                   RowBodyBuilder single) {
  Value batch = dimValue(b, loc, init, 0);
  Value size = arith::ConstantIndexOp::create(b, loc, interleave);
  Value groups = arith::DivUIOp::create(b, loc, batch, size);
  Value grouped = arith::MulIOp::create(b, loc, groups, size);
  // Whole groups: a group's block of rows is one slice of the output (one
  // parallel_insert_slice: the forall folds of upstream keep only one insert
  // per shared output). Every row of the block gets its own one-row slice,
  // threaded through the body on its own (see buildRowLoop for why not the
  // block) and inserted back afterwards.
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{groups},
                                      ValueRange{init}, std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    Value first =
        arith::MulIOp::create(b, loc, forall.getInductionVar(0), size);
    Value shared = forall.getRegionIterArgs()[0];
    RowSlice block =
        extractRows(b, loc, shared, first, b.getIndexAttr(interleave));
    SmallVector<Value> rows;
    SmallVector<RowSlice> slices;
    for (int64_t i = 0; i < interleave; ++i) {
      rows.push_back(arith::AddIOp::create(
          b, loc, first, arith::ConstantIndexOp::create(b, loc, i)));
      slices.push_back(extractRows(b, loc, block.value, b.getIndexAttr(i),
                                   b.getIndexAttr(1)));
    }
    SmallVector<Value> results =
        group(b, loc, rows,
              llvm::map_to_vector(slices, [](RowSlice &s) { return s.value; }));
    Value updated = block.value;
    for (auto [result, slice] : llvm::zip_equal(results, slices))
      updated = tensor::InsertSliceOp::create(
          b, loc, result, updated, slice.offsets, slice.sizes, slice.strides);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        b, loc, updated, shared, block.offsets, block.sizes, block.strides);
  }
  // The rows after the last whole group, one at a time.
  Value rest = arith::SubIOp::create(b, loc, batch, grouped);
  auto tail =
      scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{rest},
                            ValueRange{forall.getResult(0)}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(tail.getTerminator());
  Value row = arith::AddIOp::create(b, loc, grouped, tail.getInductionVar(0));
  Value shared = tail.getRegionIterArgs()[0];
  RowSlice slice = extractRows(b, loc, shared, row, b.getIndexAttr(1));
  Value result = single(b, loc, row, ValueRange{slice.value})[0];
  b.setInsertionPointToStart(tail.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, result, shared, slice.offsets,
                                        slice.sizes, slice.strides);
  return tail.getResult(0);
}

SmallVector<Value> MlpRows::addInto(OpBuilder &b, Location loc, ValueRange ys,
                                    ArrayRef<Value> rows, Value scale) const {
  assert(rows.size() == ys.size() && !rows.empty());
  Value width = dimValue(b, loc, x, 1);
  int64_t hiddenDim = cast<ShapedType>(w1.getType()).getRank() - 1;
  Value hidden = dimValue(b, loc, w1, hiddenDim);
  Value outDim = dimValue(b, loc, ys.front(), 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Type elem = scale.getType();
  auto withPrefix = [&](ArrayRef<Value> rest) {
    SmallVector<Value> idx(prefix);
    llvm::append_range(idx, rest);
    return idx;
  };

  SmallVector<Value> out(ys);
  Value tailStart = zero;
  // Units in groups of V: the pre-activations of a group are one vector per
  // row, accumulated over the input (unit-stride rows of w1, each loaded
  // once for all rows). A layer narrower than V gets the widest power-of-two
  // group that fits, rather than leaving every unit to the scalar loop.
  int64_t unitWidth = vectorWidth;
  int64_t staticHidden = cast<ShapedType>(w1.getType()).getDimSize(hiddenDim);
  if (!ShapedType::isDynamic(staticHidden))
    while (unitWidth > 1 && unitWidth > staticHidden)
      unitWidth /= 2;
  if (unitWidth > 1) {
    auto vecType = VectorType::get({unitWidth}, elem);
    Value step = arith::ConstantIndexOp::create(b, loc, unitWidth);
    tailStart = buildWholeVectorsEnd(b, loc, hidden, unitWidth);
    Value pad = floatConstant(b, loc, elem, 0.0);
    auto groups = scf::ForOp::create(
        b, loc, zero, tailStart, step, out,
        [&](OpBuilder &nb, Location nl, Value u0, ValueRange args) {
          Value bias = vector::TransferReadOp::create(
              nb, nl, vecType, b1, withPrefix({u0}), pad, ArrayRef<bool>{true});
          SmallVector<Value> inits(rows.size(), bias);
          auto acc = scf::ForOp::create(
              nb, nl, zero, width, one, inits,
              [&](OpBuilder &ib, Location il, Value k, ValueRange accs) {
                Value wv = vector::TransferReadOp::create(
                    ib, il, vecType, w1, withPrefix({k, u0}), pad,
                    ArrayRef<bool>{true});
                SmallVector<Value> next;
                for (auto [row, a] : llvm::zip(rows, accs)) {
                  Value xk =
                      tensor::ExtractOp::create(ib, il, x, ValueRange{row, k});
                  Value xv = vector::BroadcastOp::create(ib, il, vecType, xk);
                  next.push_back(vector::FMAOp::create(ib, il, xv, wv, a));
                }
                scf::YieldOp::create(ib, il, next);
              });
          // All V units of the group update each output row in one pass.
          SmallVector<Value> updated;
          for (auto [i, y] : llvm::enumerate(args)) {
            Value hv = buildActivation(nb, nl, acc.getResult(i), act);
            SmallVector<Value> scales;
            SmallVector<SmallVector<Value>> unitRows;
            for (int64_t lane = 0; lane < unitWidth; ++lane) {
              Value h = vector::ExtractOp::create(nb, nl, hv,
                                                  ArrayRef<int64_t>{lane});
              scales.push_back(arith::MulFOp::create(nb, nl, scale, h));
              Value unit = arith::AddIOp::create(
                  nb, nl, u0, arith::ConstantIndexOp::create(nb, nl, lane));
              unitRows.push_back(withPrefix({unit}));
            }
            SmallVector<ValueRange> prefixes(unitRows.begin(), unitRows.end());
            updated.push_back(buildMultiAxpy(nb, nl, y, ValueRange{zero},
                                             scales, w2, prefixes, outDim,
                                             vectorWidth));
          }
          scf::YieldOp::create(nb, nl, updated);
        });
    out = SmallVector<Value>(groups.getResults());
  }

  // Remaining units one at a time: a strided dot product down w1's column.
  auto units = scf::ForOp::create(
      b, loc, tailStart, hidden, one, out,
      [&](OpBuilder &nb, Location nl, Value unit, ValueRange args) {
        Value bias = tensor::ExtractOp::create(nb, nl, b1, withPrefix({unit}));
        SmallVector<Value> updated;
        for (auto [i, y] : llvm::enumerate(args)) {
          Value row = rows[i];
          auto dot = scf::ForOp::create(
              nb, nl, zero, width, one, ValueRange{bias},
              [&](OpBuilder &ib, Location il, Value k, ValueRange acc) {
                Value xk =
                    tensor::ExtractOp::create(ib, il, x, ValueRange{row, k});
                Value wk = tensor::ExtractOp::create(ib, il, w1,
                                                     withPrefix({k, unit}));
                Value p = arith::MulFOp::create(ib, il, xk, wk);
                scf::YieldOp::create(
                    ib, il,
                    ValueRange{arith::AddFOp::create(ib, il, acc[0], p)});
              });
          Value h = buildActivation(nb, nl, dot.getResult(0), act);
          Value s = arith::MulFOp::create(nb, nl, scale, h);
          updated.push_back(buildAxpy(nb, nl, y, ValueRange{zero}, s, w2,
                                      withPrefix({unit}), outDim, vectorWidth));
        }
        scf::YieldOp::create(nb, nl, updated);
      });
  return SmallVector<Value>(units.getResults());
}
