//===- DescribeCABI.cpp - fff-describe-c-abi ------------------------------===//
//
// Describes each public function's C entry point as the fff.c_abi attribute
// (CInterface.h). Result sizes and the shape rules of fff ops become affine
// expressions of the arguments' dynamic sizes: each is a tensor.dim on a
// scratch copy of the function, resolved through
// ReifyRankedShapedTypeOpInterface and the dim canonicalizations, then read
// off the (now small) IR that computes it.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFDialect.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Target/CInterface.h"
#include "fff/Target/Passes.h"

#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineExprVisitor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFDESCRIBECABI
#include "fff/Target/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

static constexpr StringLiteral kArgAttrs[] = {
    "fff.name", "fff.index_bound", "fff.same_sizes", "fff.max_sizes"};

namespace {
/// dim(elementwise(x, ...)) -> dim(x): arith and math ops on tensors have
/// their operands' shape, but no ReifyRankedShapedTypeOpInterface.
struct DimOfElementwise : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    Operation *def = dim.getSource().getDefiningOp();
    if (!def || !def->hasTrait<OpTrait::Elementwise>())
      return failure();
    auto type = cast<RankedTensorType>(dim.getSource().getType());
    for (Value operand : def->getOperands()) {
      auto operandType = dyn_cast<RankedTensorType>(operand.getType());
      if (!operandType || operandType.getRank() != type.getRank())
        continue;
      rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, operand, dim.getIndex());
      return success();
    }
    return failure();
  }
};

/// Sizes of values of one function as expressions of its arguments' sizes.
/// Ask for each (value, dim) first, then resolve() once, then read them.
class SizeQueries {
public:
  /// Works on a copy of `func`, which stays as it is.
  explicit SizeQueries(func::FuncOp func, const CEntryPoint &entry)
      : scratch(ModuleOp::create(func.getLoc())) {
    OpBuilder b(scratch->getBodyRegion());
    copy = cast<func::FuncOp>(b.clone(*func));
    anchor = func::FuncOp::create(b, func.getLoc(), "__fff_size",
                                  b.getFunctionType({b.getIndexType()}, {}));
    anchor.setPrivate();
    for (auto [k, param] : llvm::enumerate(entry.getSizeParams()))
      symbols[param] = k;
    numSymbols = symbols.size();
  }

  func::FuncOp getCopy() { return copy; }

  /// Asks for dimension `dim` of `value` (of the copy), measured just before
  /// `point`. Returns the query's number.
  unsigned ask(Value value, unsigned dim, Operation *point) {
    OpBuilder b(point);
    Value size =
        isa<MemRefType>(value.getType())
            ? memref::DimOp::create(b, point->getLoc(), value, dim).getResult()
            : tensor::DimOp::create(b, point->getLoc(), value, dim).getResult();
    // A call keeps the size alive through the rewrites.
    queries.push_back(
        func::CallOp::create(b, point->getLoc(), anchor, ValueRange{size}));
    return queries.size() - 1;
  }

  /// Resolves every query as far as the IR's interfaces allow.
  void resolve() {
    MLIRContext *context = copy.getContext();
    RewritePatternSet patterns(context);
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    memref::populateResolveShapedTypeResultDimsPatterns(patterns);
    patterns.add<DimOfElementwise>(context);
    tensor::DimOp::getCanonicalizationPatterns(patterns, context);
    memref::DimOp::getCanonicalizationPatterns(patterns, context);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    // Only the size computations are rewritten, the function's own dims
    // included (a size may be one), not the rest of a large function.
    copy.walk([&](Operation *op) {
      if (isa<tensor::DimOp, memref::DimOp, affine::AffineApplyOp>(op))
        dims.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    (void)applyOpPatternsGreedily(dims, std::move(patterns), config);
  }

  /// The answer to query `id`, if it is a function of argument sizes.
  std::optional<AffineExpr> get(unsigned id) {
    std::optional<AffineExpr> expr =
        toExpr(queries[id].getOperand(0), /*depth=*/0);
    if (!expr)
      return std::nullopt;
    return simplifyAffineExpr(*expr, 0, numSymbols);
  }

private:
  std::optional<AffineExpr> toExpr(Value value, int depth) {
    MLIRContext *context = value.getContext();
    if (depth > 256)
      return std::nullopt;
    if (std::optional<int64_t> constant = getConstantIntValue(value))
      return getAffineConstantExpr(*constant, context);
    Operation *def = value.getDefiningOp();
    if (!def)
      return std::nullopt;
    // A dimension of an argument: static, or a size parameter.
    Value source;
    std::optional<int64_t> index;
    if (auto dim = dyn_cast<tensor::DimOp>(def)) {
      source = dim.getSource();
      index = dim.getConstantIndex();
    } else if (auto dim = dyn_cast<memref::DimOp>(def)) {
      source = dim.getSource();
      index = dim.getConstantIndex();
    }
    if (source) {
      auto arg = dyn_cast<BlockArgument>(source);
      auto type = dyn_cast<ShapedType>(source.getType());
      if (!index || !arg || arg.getOwner() != &copy.getBody().front() ||
          !type || *index < 0 || *index >= type.getRank())
        return std::nullopt;
      if (!type.isDynamicDim(*index))
        return getAffineConstantExpr(type.getDimSize(*index), context);
      auto it = symbols.find({arg.getArgNumber(), *index});
      if (it == symbols.end())
        return std::nullopt;
      return getAffineSymbolExpr(it->second, context);
    }
    SmallVector<AffineExpr> operands;
    for (Value operand : def->getOperands()) {
      std::optional<AffineExpr> expr = toExpr(operand, depth + 1);
      if (!expr)
        return std::nullopt;
      operands.push_back(*expr);
    }
    if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
      AffineMap map = apply.getAffineMap();
      ArrayRef<AffineExpr> all = operands;
      return map.getResult(0).replaceDimsAndSymbols(
          all.take_front(map.getNumDims()), all.drop_front(map.getNumDims()));
    }
    if (operands.size() != 2)
      return isa<arith::IndexCastOp>(def) && operands.size() == 1
                 ? std::optional(operands[0])
                 : std::nullopt;
    AffineExpr lhs = operands[0], rhs = operands[1];
    // Divisions by sizes would divide by zero on empty arrays.
    bool constantRhs = isa<AffineConstantExpr>(rhs) &&
                       cast<AffineConstantExpr>(rhs).getValue() > 0;
    if (isa<arith::AddIOp>(def))
      return lhs + rhs;
    if (isa<arith::SubIOp>(def))
      return lhs - rhs;
    if (isa<arith::MulIOp>(def))
      return lhs * rhs;
    if (!constantRhs)
      return std::nullopt;
    if (isa<arith::DivSIOp, arith::DivUIOp, arith::FloorDivSIOp>(def))
      return lhs.floorDiv(rhs);
    if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(def))
      return lhs.ceilDiv(rhs);
    if (isa<arith::RemSIOp, arith::RemUIOp>(def))
      return lhs % rhs;
    return std::nullopt;
  }

  OwningOpRef<ModuleOp> scratch;
  func::FuncOp copy, anchor;
  DenseMap<std::pair<unsigned, unsigned>, unsigned> symbols;
  unsigned numSymbols = 0;
  SmallVector<Operation *> dims;
  SmallVector<func::CallOp> queries;
};
} // namespace

/// The array or scalar parameter for `type`, or failure with a reason.
static FailureOr<CParam> describeParam(Type type, std::string name,
                                       std::string &why) {
  CParam param;
  param.name = std::move(name);
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    auto memref = dyn_cast<MemRefType>(type);
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor && !(memref && memref.getLayout().isIdentity())) {
      why = "only ranked tensors and memrefs with the identity layout can be "
            "passed as arrays";
      return failure();
    }
    if ((tensor && tensor.getEncoding()) ||
        (memref && memref.getMemorySpace())) {
      why = "arrays with an encoding or a memory space are not plain "
            "host arrays";
      return failure();
    }
    param.isArray = true;
    param.isWritable = static_cast<bool>(memref);
    param.elementType = shaped.getElementType();
    param.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
  } else {
    param.elementType = type;
    if (type.isF16() || type.isBF16()) {
      why = "f16 and bf16 scalars have no portable C type; pass a tensor";
      return failure();
    }
  }
  if (getCTypeName(param.elementType).empty()) {
    why = "element type " + getDTypeName(param.elementType) +
          " has no C type (use f16, bf16, f32, f64, i8-i64 or index)";
    return failure();
  }
  return param;
}

/// The C name of argument or result `index` of `func`: its `fff.name`
/// attribute, else `<fallback><index>`.
static FailureOr<std::string> getParamName(func::FuncOp func, bool isResult,
                                           unsigned index, StringRef fallback,
                                           bool numbered) {
  auto attr = isResult ? func.getResultAttrOfType<StringAttr>(index, "fff.name")
                       : func.getArgAttrOfType<StringAttr>(index, "fff.name");
  if (!attr)
    return numbered ? (fallback + Twine(index)).str() : fallback.str();
  if (!isCIdentifier(attr.getValue())) {
    func.emitError() << (isResult ? "result " : "argument ") << index
                     << ": fff.name \"" << attr.getValue()
                     << "\" is not a C identifier (or is a C keyword)";
    return failure();
  }
  return attr.getValue().str();
}

/// Adds `lhs == rhs` (or `<=`) unless it holds by construction or repeats.
static void addCheck(CEntryPoint &entry, AffineExpr lhs, AffineExpr rhs,
                     StringRef message, bool atMost = false) {
  if (lhs == rhs ||
      (isa<AffineConstantExpr>(lhs) && isa<AffineConstantExpr>(rhs)))
    return; // decided by the verifier, or the same size
  if (isa<AffineConstantExpr>(lhs) && !atMost)
    std::swap(lhs, rhs);
  for (const CShapeCheck &check : entry.shapeChecks)
    if (check.atMost == atMost && check.lhs == lhs && check.rhs == rhs)
      return;
  entry.shapeChecks.push_back({lhs, rhs, message.str(), atMost});
}

/// The checks that argument attributes ask for (CInterface.h): index bounds
/// on integer arrays, sizes equal across arguments, upper size bounds.
static LogicalResult collectArgumentChecks(func::FuncOp func,
                                           CEntryPoint &entry) {
  DenseMap<std::pair<unsigned, unsigned>, unsigned> symbols;
  for (auto [k, param] : llvm::enumerate(entry.getSizeParams()))
    symbols[param] = k;
  // The size parameter of dimension `dim` of argument `arg`, if dynamic.
  auto sizeOf = [&](int64_t arg, int64_t dim) -> AffineExpr {
    if (arg < 0 || dim < 0)
      return {};
    auto it =
        symbols.find({static_cast<unsigned>(arg), static_cast<unsigned>(dim)});
    return it == symbols.end()
               ? AffineExpr()
               : getAffineSymbolExpr(it->second, func.getContext());
  };
  for (auto [i, param] : llvm::enumerate(entry.args)) {
    auto error = [&, i = i]() {
      return func.emitError() << "argument " << i << ": ";
    };
    if (Attribute attr = func.getArgAttr(i, "fff.index_bound")) {
      auto bound = dyn_cast<IntegerAttr>(attr);
      if (!bound || bound.getInt() < 0)
        return error() << "fff.index_bound must be a non-negative integer";
      if (!param.isArray || !isa<IntegerType, IndexType>(param.elementType))
        return error() << "fff.index_bound applies to integer arrays only";
      param.indexBound = bound.getInt();
    }
    if (Attribute attr = func.getArgAttr(i, "fff.same_sizes")) {
      auto list = dyn_cast<ArrayAttr>(attr);
      if (!list)
        return error() << "fff.same_sizes must be a list of [dim, arg, dim]";
      for (Attribute item : list) {
        auto triple = dyn_cast<ArrayAttr>(item);
        SmallVector<int64_t, 3> v;
        for (Attribute a : triple ? triple.getValue() : ArrayRef<Attribute>())
          if (auto n = dyn_cast<IntegerAttr>(a))
            v.push_back(n.getInt());
        AffineExpr lhs = v.size() == 3 ? sizeOf(i, v[0]) : AffineExpr();
        AffineExpr rhs = v.size() == 3 ? sizeOf(v[1], v[2]) : AffineExpr();
        if (!lhs || !rhs)
          return error() << "fff.same_sizes entry " << item
                         << " is not [dim, arg, dim] of dynamic dimensions";
        addCheck(entry, lhs, rhs, "argument sizes of one name must be equal");
      }
    }
    if (Attribute attr = func.getArgAttr(i, "fff.max_sizes")) {
      auto bounds = dyn_cast<DenseI64ArrayAttr>(attr);
      if (!bounds || !param.isArray ||
          bounds.size() != static_cast<int64_t>(param.shape.size()))
        return error() << "fff.max_sizes must be an array<i64> of one bound "
                          "per dimension (-1: none)";
      for (auto [d, bound] : llvm::enumerate(bounds.asArrayRef())) {
        if (bound < 0)
          continue;
        AffineExpr size = sizeOf(i, d);
        if (!size)
          return error() << "fff.max_sizes bounds static dimension " << d;
        addCheck(entry, size, getAffineConstantExpr(bound, func.getContext()),
                 "a size bounded by the model", /*atMost=*/true);
      }
    }
  }
  return success();
}

/// Sizes the results and collects the shape rules of the fff ops that the
/// verifier left to run time and that relate argument sizes: the entry point
/// checks them and returns a status. Rules on sizes computed inside the
/// function (in loops, from values) keep their cf.assert.
static LogicalResult sizeResults(func::FuncOp func, CEntryPoint &entry) {
  SizeQueries queries(func, entry);
  func::FuncOp copy = queries.getCopy();
  Block &body = copy.getBody().front();
  MLIRContext *context = func.getContext();
  struct Side {
    AffineExpr known; // a static size, else the query's answer
    unsigned query = 0;
  };
  auto side = [&](Value value, unsigned dim, Operation *point) {
    auto type = cast<ShapedType>(value.getType());
    if (!type.isDynamicDim(dim))
      return Side{getAffineConstantExpr(type.getDimSize(dim), context)};
    return Side{AffineExpr(), queries.ask(value, dim, point)};
  };
  struct Rule {
    Side lhs, rhs;
    std::string message;
  };
  SmallVector<Rule> rules;
  for (Operation &op : body.without_terminator()) {
    if (!isa<FFFDialect>(op.getDialect()))
      continue;
    for (const DynamicShapeRule &rule : getDynamicShapeRules(&op))
      rules.push_back(
          {side(rule.value, rule.dim, &op),
           rule.other ? side(rule.other, rule.otherDim, &op)
                      : Side{getAffineConstantExpr(rule.expected, context)},
           (op.getName().getStringRef() + ": " + rule.message).str()});
  }
  Operation *ret = body.getTerminator();
  SmallVector<SmallVector<Side>> results;
  for (auto [i, result] : llvm::enumerate(entry.results)) {
    SmallVector<Side> &sides = results.emplace_back();
    for (int64_t d = 0, e = result.shape.size(); d < e; ++d)
      sides.push_back(side(ret->getOperand(i), d, ret));
  }
  queries.resolve();

  auto answer = [&](const Side &s) -> std::optional<AffineExpr> {
    return s.known ? std::optional(s.known) : queries.get(s.query);
  };
  for (auto [i, sides] : llvm::enumerate(results)) {
    for (auto [d, s] : llvm::enumerate(sides)) {
      std::optional<AffineExpr> size = answer(s);
      if (!size)
        return func.emitError()
               << "dimension " << d << " of result " << i
               << " is not a function of the argument sizes, so a C caller "
                  "cannot size its buffer; make it static or derive it from "
                  "argument sizes (tensor.dim, an init, a reshape's sizes; "
                  "inline calls first)";
      entry.results[i].resultSizes.push_back(*size);
    }
  }
  for (const Rule &rule : rules) {
    std::optional<AffineExpr> lhs = answer(rule.lhs), rhs = answer(rule.rhs);
    if (lhs && rhs)
      addCheck(entry, *lhs, *rhs, rule.message);
  }
  return success();
}

static FailureOr<CEntryPoint> describeFunction(func::FuncOp func,
                                               StringRef prefix) {
  CEntryPoint entry;
  entry.function = func.getSymName().str();
  entry.symbol = (prefix + func.getSymName()).str();
  if (!isCIdentifier(entry.symbol))
    return func.emitError() << "'" << entry.symbol
                            << "' is not a C identifier, so it cannot be an "
                               "entry point";
  std::string why;
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    FailureOr<std::string> name = getParamName(func, false, i, "arg", true);
    if (failed(name))
      return failure();
    FailureOr<CParam> param = describeParam(type, *name, why);
    if (failed(param))
      return func.emitError()
             << "argument " << i << " (" << type
             << ") cannot be passed through the C ABI: " << why;
    entry.args.push_back(std::move(*param));
  }
  // Only the entry block's return is sized; a function with several blocks
  // has its result sizes decided at run time.
  if (!func.getBody().hasOneBlock() && func.getNumResults())
    return func.emitError()
           << "has several blocks; the C ABI needs result sizes known from "
              "the arguments, so lower the control flow later (e.g. scf)";
  if (!isa<func::ReturnOp>(func.getBody().front().getTerminator()))
    return func.emitError() << "does not end in func.return, so its results "
                               "cannot be sized";
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    FailureOr<std::string> name =
        getParamName(func, true, i, "result", func.getNumResults() > 1);
    if (failed(name))
      return failure();
    FailureOr<CParam> param = describeParam(type, *name, why);
    if (failed(param) || !param->isArray)
      return func.emitError()
             << "result " << i << " (" << type
             << ") cannot be returned through the C ABI: "
             << (failed(param) ? why : "only arrays can be results");
    entry.results.push_back(std::move(*param));
  }
  // Every name in the C signature, the size parameters included.
  llvm::StringSet<> names;
  auto declare = [&](const std::string &name) {
    return names.insert(name).second;
  };
  for (const CParam &arg : entry.args) {
    SmallVector<std::string> declared = {arg.name};
    for (auto [d, size] : llvm::enumerate(arg.shape))
      if (size == ShapedType::kDynamic)
        declared.push_back(arg.name + "_dim" + std::to_string(d));
    for (const std::string &name : declared)
      if (!declare(name))
        return func.emitError() << "two parameters are named '" << name
                                << "' (rename one with fff.name)";
  }
  for (const CParam &result : entry.results)
    if (!declare(result.name))
      return func.emitError() << "two parameters are named '" << result.name
                              << "' (rename one with fff.name)";
  if (failed(collectArgumentChecks(func, entry)) ||
      failed(sizeResults(func, entry)))
    return failure();
  return entry;
}

/// Readies `func` for lowering with the ABI's calling convention.
static void prepareForLowering(func::FuncOp func) {
  MLIRContext *context = func.getContext();
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    for (StringRef name : kArgAttrs)
      func.removeArgAttr(i, name);
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
    func.removeResultAttr(i, StringAttr::get(context, "fff.name"));
  // Each result becomes its own out-parameter: a tensor returned twice gets
  // a copy (buffer-results-to-out-params cannot give one buffer two
  // out-parameters).
  if (func.getNumResults()) {
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    OpBuilder b(ret);
    llvm::SmallPtrSet<Value, 4> seen;
    for (OpOperand &operand : ret->getOpOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.get().getType());
      if (!type || seen.insert(operand.get()).second)
        continue;
      operand.set(bufferization::AllocTensorOp::create(
          b, ret.getLoc(), type, ValueRange{}, operand.get()));
    }
  }
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    if (isa<TensorType>(type))
      func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                      BoolAttr::get(context, false));
}

namespace {
struct FFFDescribeCABIPass
    : fff::impl::FFFDescribeCABIBase<FFFDescribeCABIPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<std::pair<func::FuncOp, CEntryPoint>> described;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      FailureOr<CEntryPoint> entry = describeFunction(func, prefix);
      if (failed(entry))
        return signalPassFailure();
      entry->onDevice = device;
      if (Operation *clash = module.lookupSymbol(entry->symbol)) {
        clash->emitError() << "the symbol '" << entry->symbol
                           << "' is taken: it is the C entry point of @"
                           << entry->function << " (choose another prefix)";
        return signalPassFailure();
      }
      described.emplace_back(func, std::move(*entry));
    }
    for (auto &[func, entry] : described) {
      prepareForLowering(func);
      func->setAttr(kCABIAttrName, toAttribute(entry, &getContext()));
    }
  }
};
} // namespace
