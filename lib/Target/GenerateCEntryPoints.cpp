//===- GenerateCEntryPoints.cpp - fff-generate-c-entry-points -------------===//
//
// The entry points are written in the LLVM dialect after lowering, where the
// calling convention of the lowered function is fixed: each memref expanded
// to allocated/aligned pointers, offset, sizes and strides, and the results
// as out-parameters after them (fff-cpu-pipeline out-params=true). What they
// check and how they size the results comes from fff.c_abi
// (fff-describe-c-abi).
//
// Size arithmetic on the caller's sizes is overflow-checked: an array whose
// byte size would not fit in int64_t is FFF_ERROR_SIZE before anything runs.
// With `host-runtime`, the lowered code allocates through fff-compile's host
// runtime and the call runs under fffHostRun, which turns a failed or
// overflowing allocation into FFF_ERROR_OUT_OF_MEMORY / FFF_ERROR_SIZE
// (docs/reliability.md, "The compiled code's contract").
//
//===----------------------------------------------------------------------===//

#include "fff/Target/CInterface.h"
#include "fff/Target/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFGENERATECENTRYPOINTS
#include "fff/Target/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {
/// Builds one entry point; `b` starts in its entry block.
struct EntryPointBuilder {
  OpBuilder &b;
  Location loc;
  Type ptrType, i64Type, i32Type, i1Type;
  /// True when a checked operation so far overflowed (set by start()).
  Value overflow;

  EntryPointBuilder(OpBuilder &b, Location loc)
      : b(b), loc(loc), ptrType(LLVM::LLVMPointerType::get(b.getContext())),
        i64Type(b.getI64Type()), i32Type(b.getI32Type()),
        i1Type(b.getI1Type()) {}

  /// Call once `b` is in the entry block.
  void start() { overflow = i1(false); }

  Value i64(int64_t v) { return LLVM::ConstantOp::create(b, loc, i64Type, v); }
  Value i32(int64_t v) { return LLVM::ConstantOp::create(b, loc, i32Type, v); }
  Value i1(bool v) { return LLVM::ConstantOp::create(b, loc, i1Type, v); }
  Value mul(Value x, Value y) { return LLVM::MulOp::create(b, loc, x, y); }
  Value orOf(Value x, Value y) { return LLVM::OrOp::create(b, loc, x, y); }
  /// x * y or x + y, recording signed overflow in `overflow`.
  template <typename OpWithOverflow> Value checked(Value x, Value y) {
    Type pair =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {i64Type, i1Type});
    Value both = OpWithOverflow::create(b, loc, pair, x, y);
    Value value =
        LLVM::ExtractValueOp::create(b, loc, both, ArrayRef<int64_t>{0});
    Value wrapped =
        LLVM::ExtractValueOp::create(b, loc, both, ArrayRef<int64_t>{1});
    overflow = orOf(overflow, wrapped);
    return value;
  }
  Value checkedMul(Value x, Value y) {
    return checked<LLVM::SMulWithOverflowOp>(x, y);
  }
  Value checkedAdd(Value x, Value y) {
    return checked<LLVM::SAddWithOverflowOp>(x, y);
  }
  Value cmp(LLVM::ICmpPredicate p, Value x, Value y) {
    return LLVM::ICmpOp::create(b, loc, p, x, y);
  }
  /// The i64 value of the size `expr` of the size parameters `symbols`
  /// (non-negative, so floordiv is sdiv; divisors are positive constants),
  /// overflow-checked.
  Value size(AffineExpr expr, ArrayRef<Value> symbols) {
    if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      return i64(constant.getValue());
    if (auto symbol = dyn_cast<AffineSymbolExpr>(expr))
      return symbols[symbol.getPosition()];
    auto binary = cast<AffineBinaryOpExpr>(expr);
    Value lhs = size(binary.getLHS(), symbols);
    Value rhs = size(binary.getRHS(), symbols);
    switch (binary.getKind()) {
    case AffineExprKind::Add:
      return checkedAdd(lhs, rhs);
    case AffineExprKind::Mul:
      return checkedMul(lhs, rhs);
    case AffineExprKind::FloorDiv:
      return LLVM::SDivOp::create(b, loc, lhs, rhs);
    case AffineExprKind::CeilDiv: {
      Value rhsLess = LLVM::SubOp::create(b, loc, rhs, i64(1));
      Value up = checkedAdd(lhs, rhsLess);
      return LLVM::SDivOp::create(b, loc, up, rhs);
    }
    default:
      return LLVM::SRemOp::create(b, loc, lhs, rhs);
    }
  }
  /// Records in `overflow` an array of `sizes` whose byte size does not fit
  /// in int64_t; once none does, the unchecked products below cannot wrap.
  void checkByteSize(ArrayRef<Value> sizes, Type elementType) {
    int64_t bits =
        elementType.isIndex() ? 64 : elementType.getIntOrFloatBitWidth();
    Value bytes = i64((bits + 7) / 8);
    for (Value size : sizes)
      bytes = checkedMul(bytes, size);
  }
  Value numElements(ArrayRef<Value> sizes) {
    Value n = i64(1);
    for (Value size : sizes)
      n = mul(n, size);
    return n;
  }
  /// Appends the expanded memref descriptor of the row-major array at `ptr`
  /// (allocated and aligned pointers, offset 0, sizes, strides).
  void appendDescriptor(SmallVectorImpl<Value> &operands, Value ptr,
                        ArrayRef<Value> sizes) {
    operands.append({ptr, ptr, i64(0)});
    operands.append(sizes.begin(), sizes.end());
    SmallVector<Value> strides(sizes.size());
    Value stride = i64(1);
    for (int64_t d = sizes.size() - 1; d >= 0; --d) {
      strides[d] = stride;
      stride = mul(stride, sizes[d]);
    }
    operands.append(strides.begin(), strides.end());
  }
  /// Appends to `wrapper` a loop over the `elementType` array at `ptr` that
  /// branches to `exit` with `status` at the first element outside
  /// [0, bound); returns the block where the code goes on when none is.
  Block *checkIndices(Block *from, Block *exit, Value ptr, Type elementType,
                      ArrayRef<Value> sizes, int64_t bound, int32_t code) {
    Type type = elementType.isIndex() ? i64Type : elementType;
    b.setInsertionPointToEnd(from);
    Value count = numElements(sizes);
    Value status = i32(code);
    Block *header = b.createBlock(exit, {i64Type}, {loc});
    Block *body = b.createBlock(exit);
    Block *next = b.createBlock(exit);
    b.setInsertionPointToEnd(from);
    LLVM::BrOp::create(b, loc, ValueRange{i64(0)}, header);
    b.setInsertionPointToEnd(header);
    Value i = header->getArgument(0);
    LLVM::CondBrOp::create(b, loc, cmp(LLVM::ICmpPredicate::slt, i, count),
                           body, ValueRange{}, next, ValueRange{});
    b.setInsertionPointToEnd(body);
    Value at = LLVM::GEPOp::create(b, loc, ptrType, type, ptr,
                                   ArrayRef<LLVM::GEPArg>{i});
    Value element = LLVM::LoadOp::create(b, loc, type, at);
    if (type != i64Type)
      element = LLVM::SExtOp::create(b, loc, i64Type, element);
    // Unsigned: a negative index is a huge one.
    Value bad = cmp(LLVM::ICmpPredicate::uge, element, i64(bound));
    Value step = LLVM::AddOp::create(b, loc, i, i64(1));
    LLVM::CondBrOp::create(b, loc, bad, exit, ValueRange{status}, header,
                           ValueRange{step});
    b.setInsertionPointToStart(next);
    return next;
  }
  /// True when `ptr` is null but the array it stands for is not empty.
  Value nullButNotEmpty(Value ptr, ArrayRef<Value> sizes) {
    Value null = LLVM::ZeroOp::create(b, loc, ptrType);
    Value isNull = cmp(LLVM::ICmpPredicate::eq, ptr, null);
    Value count = numElements(sizes);
    Value nonEmpty = cmp(LLVM::ICmpPredicate::ne, count, i64(0));
    return LLVM::AndOp::create(b, loc, isNull, nonEmpty);
  }
};
} // namespace

/// Declares `name` of `type` in `module` once.
static LLVM::LLVMFuncOp lookupOrDeclare(ModuleOp module, Location loc,
                                        StringRef name,
                                        LLVM::LLVMFunctionType type) {
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return existing;
  OpBuilder b(module.getBodyRegion());
  return LLVM::LLVMFuncOp::create(b, loc, name, type);
}

/// True when the module runs OpenMP parallel regions: a failed allocation
/// there cannot unwind to the entry point (the other threads would wait at
/// the region's barrier forever).
static bool usesOpenMP(ModuleOp module) {
  return module
      ->walk([](Operation *op) {
        return op->getDialect() && op->getDialect()->getNamespace() == "omp"
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Calls `callee` with `operands` under the host runtime's fffHostRun:
/// `int32_t fffHostRun(void (*body)(void *), void *context, int32_t unwind)`
/// runs body(context) and returns 0, or the status of a failed allocation
/// in it. The body, `<symbol>.body`, reads the operands back from the
/// context, a struct on the entry point's stack.
static Value callUnderHostRuntime(EntryPointBuilder &eb, ModuleOp module,
                                  LLVM::LLVMFuncOp callee, StringRef symbol,
                                  ValueRange operands, Block *entryBlock) {
  OpBuilder &b = eb.b;
  Location loc = eb.loc;
  SmallVector<Type> fieldTypes(operands.getTypes());
  auto contextType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), fieldTypes);

  std::string bodyName = (symbol + ".body").str();
  LLVM::LLVMFuncOp body;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(callee);
    body = LLVM::LLVMFuncOp::create(
        b, loc, bodyName,
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b.getContext()),
                                    {eb.ptrType}),
        LLVM::Linkage::Internal);
    Block *block = body.addEntryBlock(b);
    b.setInsertionPointToStart(block);
    SmallVector<Value> loaded;
    for (auto [i, type] : llvm::enumerate(fieldTypes)) {
      Value field = LLVM::GEPOp::create(
          b, loc, eb.ptrType, contextType, block->getArgument(0),
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      loaded.push_back(LLVM::LoadOp::create(b, loc, type, field));
    }
    LLVM::CallOp::create(b, loc, callee, loaded);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }

  // The context is an alloca of the entry block (a static stack slot).
  Value context;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entryBlock);
    Value one = eb.i64(1);
    context = LLVM::AllocaOp::create(b, loc, eb.ptrType, contextType, one);
  }
  for (auto [i, operand] : llvm::enumerate(operands)) {
    Value field =
        LLVM::GEPOp::create(b, loc, eb.ptrType, contextType, context,
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    LLVM::StoreOp::create(b, loc, operand, field);
  }
  auto run = lookupOrDeclare(
      module, loc, "fffHostRun",
      LLVM::LLVMFunctionType::get(eb.i32Type,
                                  {eb.ptrType, eb.ptrType, eb.i32Type}));
  Value bodyAddress = LLVM::AddressOfOp::create(b, loc, body);
  Value unwind = eb.i32(usesOpenMP(module) ? 0 : 1);
  return LLVM::CallOp::create(b, loc, run,
                              ValueRange{bodyAddress, context, unwind})
      .getResult();
}

LogicalResult fff::generateCEntryPoint(LLVM::LLVMFuncOp callee,
                                       bool hostRuntime) {
  auto attr = callee->getAttrOfType<DictionaryAttr>(kCABIAttrName);
  if (!attr)
    return callee.emitError() << "has no " << kCABIAttrName;
  FailureOr<CEntryPoint> described = fromAttribute(callee, attr);
  if (failed(described))
    return failure();
  const CEntryPoint &entry = *described;
  auto module = callee->getParentOfType<ModuleOp>();
  if (module.lookupSymbol(entry.symbol))
    return callee.emitError()
           << "the C entry point of @" << entry.function << " would be named '"
           << entry.symbol
           << "', which the lowered code already uses (choose another "
              "prefix)";
  Location loc = callee.getLoc();
  OpBuilder b(module.getContext());
  b.setInsertionPointAfter(callee);
  EntryPointBuilder eb(b, loc);

  // The C signature: pointer + dynamic sizes per array, value per scalar, one
  // pointer per result.
  SmallVector<Type> params;
  for (const CParam &arg : entry.args) {
    if (!arg.isArray) {
      params.push_back(arg.elementType.isIndex() ? eb.i64Type
                                                 : arg.elementType);
      continue;
    }
    params.push_back(eb.ptrType);
    params.append(llvm::count(arg.shape, ShapedType::kDynamic), eb.i64Type);
  }
  params.append(entry.results.size(), eb.ptrType);
  auto wrapper = LLVM::LLVMFuncOp::create(
      b, loc, entry.symbol, LLVM::LLVMFunctionType::get(eb.i32Type, params));
  Block *block = wrapper.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  eb.start();

  // Sizes of every argument, and the callee's operands.
  unsigned next = 0;
  Value negative = eb.i1(false), nullPointer = eb.i1(false);
  SmallVector<SmallVector<Value>> argSizes;
  SmallVector<Value> operands, argPointers;
  for (const CParam &arg : entry.args) {
    Value value = block->getArgument(next++);
    argPointers.push_back(value);
    argSizes.emplace_back();
    if (!arg.isArray) {
      operands.push_back(value);
      continue;
    }
    SmallVector<Value> &sizes = argSizes.back();
    for (int64_t dim : arg.shape) {
      if (dim != ShapedType::kDynamic) {
        sizes.push_back(eb.i64(dim));
        continue;
      }
      Value size = block->getArgument(next++);
      negative =
          eb.orOf(negative, eb.cmp(LLVM::ICmpPredicate::slt, size, eb.i64(0)));
      sizes.push_back(size);
    }
    eb.checkByteSize(sizes, arg.elementType);
    nullPointer = eb.orOf(nullPointer, eb.nullButNotEmpty(value, sizes));
    eb.appendDescriptor(operands, value, sizes);
  }
  SmallVector<Value> sizeParams;
  for (auto [arg, dim] : entry.getSizeParams())
    sizeParams.push_back(argSizes[arg][dim]);
  auto size = [&](AffineExpr expr) { return eb.size(expr, sizeParams); };
  SmallVector<SmallVector<Value>> resultSizes;
  SmallVector<Value> outputs;
  for (const CParam &result : entry.results) {
    Value out = block->getArgument(next++);
    SmallVector<Value> &sizes = resultSizes.emplace_back();
    for (AffineExpr expr : result.resultSizes)
      sizes.push_back(size(expr));
    eb.checkByteSize(sizes, result.elementType);
    nullPointer = eb.orOf(nullPointer, eb.nullButNotEmpty(out, sizes));
    outputs.push_back(out);
  }

  Value shapeMismatch = eb.i1(false);
  for (const CShapeCheck &check : entry.shapeChecks) {
    Value lhs = size(check.lhs);
    Value rhs = size(check.rhs);
    Value differ = eb.cmp(check.atMost ? LLVM::ICmpPredicate::sgt
                                       : LLVM::ICmpPredicate::ne,
                          lhs, rhs);
    shapeMismatch = eb.orOf(shapeMismatch, differ);
  }

  // Bad arguments return before anything runs: negative sizes first (the
  // other checks use the sizes), then sizes whose arithmetic overflows, then
  // shape rules, then NULL pointers.
  auto code = [&](CStatus status) {
    return eb.i32(static_cast<int32_t>(status));
  };
  Value nullCode = code(CStatus::NullPointer);
  Value okCode = code(CStatus::Ok);
  Value status = LLVM::SelectOp::create(b, loc, nullPointer, nullCode, okCode);
  status = LLVM::SelectOp::create(b, loc, shapeMismatch,
                                  code(CStatus::ShapeMismatch), status);
  status = LLVM::SelectOp::create(b, loc, eb.overflow, code(CStatus::Size),
                                  status);
  status = LLVM::SelectOp::create(b, loc, negative,
                                  code(CStatus::NegativeDimension), status);
  Block *exit = b.createBlock(&wrapper.getBody(), {}, {eb.i32Type}, {loc});
  LLVM::ReturnOp::create(b, loc, exit->getArgument(0));
  Block *run = b.createBlock(exit);
  b.setInsertionPointToEnd(block);
  LLVM::CondBrOp::create(b, loc,
                         eb.cmp(LLVM::ICmpPredicate::ne, status, eb.i32(0)),
                         exit, ValueRange{status}, run, ValueRange{});

  // Index arrays: one pass over each before anything reads through them.
  b.setInsertionPointToStart(run);
  for (auto [i, arg] : llvm::enumerate(entry.args))
    if (arg.indexBound)
      run = eb.checkIndices(run, exit, argPointers[i], arg.elementType,
                            argSizes[i], *arg.indexBound,
                            static_cast<int32_t>(CStatus::IndexOutOfRange));

  // Call: the results are out-parameters (fff-cpu-pipeline out-params=true)
  // that the compiled code writes in place, described by the caller's
  // buffers and the sizes the header promises.
  b.setInsertionPointToEnd(run);
  for (auto [out, sizes] : llvm::zip_equal(outputs, resultSizes))
    eb.appendDescriptor(operands, out, sizes);
  if (callee.getFunctionType().getNumParams() != operands.size() ||
      !isa<LLVM::LLVMVoidType>(callee.getFunctionType().getReturnType()))
    return callee.emitError()
           << "lowered signature " << callee.getFunctionType()
           << " is not the out-parameter form the C entry point expects ("
           << operands.size() << " parameters, no results)";
  if (!entry.onDevice && hostRuntime) {
    if (module.lookupSymbol(entry.symbol + ".body"))
      return callee.emitError() << "the lowered code already uses '"
                                << entry.symbol << ".body'";
    Value result = callUnderHostRuntime(eb, module, callee, entry.symbol,
                                        operands, block);
    LLVM::BrOp::create(b, loc, ValueRange{result}, exit);
  } else if (!entry.onDevice) {
    LLVM::CallOp::create(b, loc, callee, operands);
    LLVM::BrOp::create(b, loc, ValueRange{code(CStatus::Ok)}, exit);
  } else {
    // The CUDA runtime records failures instead of aborting: drop any left
    // from the caller's own runtime calls, run, then report this call's.
    // `int32_t fffGpuTakeError(void)` of the CUDA runtime.
    auto takeError =
        lookupOrDeclare(module, loc, "fffGpuTakeError",
                        LLVM::LLVMFunctionType::get(eb.i32Type, {}));
    LLVM::CallOp::create(b, loc, takeError, ValueRange{});
    LLVM::CallOp::create(b, loc, callee, operands);
    Value error =
        LLVM::CallOp::create(b, loc, takeError, ValueRange{}).getResult();
    Value failed = eb.cmp(LLVM::ICmpPredicate::ne, error, eb.i32(0));
    Value gpuFailed = code(CStatus::GPU);
    Value ok = code(CStatus::Ok);
    Value result = LLVM::SelectOp::create(b, loc, failed, gpuFailed, ok);
    LLVM::BrOp::create(b, loc, ValueRange{result}, exit);
  }
  // Only the C ABI is exported; the lowered function can be inlined into it.
  callee.setLinkage(LLVM::Linkage::Internal);
  callee->removeAttr(kCABIAttrName);
  wrapper->setAttr(kCABIAttrName, attr);
  return success();
}

namespace {
struct FFFGenerateCEntryPointsPass
    : fff::impl::FFFGenerateCEntryPointsBase<FFFGenerateCEntryPointsPass> {
  using FFFGenerateCEntryPointsBase::FFFGenerateCEntryPointsBase;
  void runOnOperation() override {
    SmallVector<LLVM::LLVMFuncOp> described;
    for (auto func : getOperation().getOps<LLVM::LLVMFuncOp>())
      if (func->hasAttr(kCABIAttrName))
        described.push_back(func);
    for (LLVM::LLVMFuncOp func : described)
      if (failed(generateCEntryPoint(func, hostRuntime)))
        return signalPassFailure();
  }
};
} // namespace
