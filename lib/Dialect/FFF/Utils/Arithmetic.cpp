//===- Arithmetic.cpp - Activations and routing decisions -----------------===//

#include "fff/Dialect/FFF/Utils/Arithmetic.h"

#include "fff/Dialect/FFF/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include <cmath>

using namespace mlir;
using namespace mlir::fff;

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
    Value half = mul(c(0.5), v);
    return mul(half, add(c(1.0), erf));
  }
  case Activation::gelu_tanh: {
    Value cube = mul(mul(v, v), v);
    Value scale = c(std::sqrt(2.0 / M_PI));
    Value inner = mul(scale, add(v, mul(c(0.044715), cube)));
    Value t = math::TanhOp::create(b, loc, inner);
    Value half = mul(c(0.5), v);
    return mul(half, add(c(1.0), t));
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
