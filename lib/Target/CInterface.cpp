//===- CInterface.cpp - C entry points and header for compiled modules ---===//
//
// The entry points are written in the LLVM dialect after lowering, where the
// calling convention of the lowered function is fixed: each memref expanded
// to allocated/aligned pointers, offset, sizes and strides, and the results
// as out-parameters after them (fff-cpu-pipeline out-params=true). Describing
// them happens before lowering, while result sizes can still be traced to
// argument sizes through destination operands and tensor.empty/tensor.dim.
//
//===----------------------------------------------------------------------===//

#include "fff/Target/CInterface.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::fff;

StringRef fff::getCTypeName(Type type) {
  if (type.isF32())
    return "float";
  if (type.isF64())
    return "double";
  if (type.isF16() || type.isBF16())
    return "uint16_t";
  if (type.isIndex())
    return "int64_t";
  if (type.isSignlessInteger(8))
    return "int8_t";
  if (type.isSignlessInteger(16))
    return "int16_t";
  if (type.isSignlessInteger(32))
    return "int32_t";
  if (type.isSignlessInteger(64))
    return "int64_t";
  return {};
}

/// The name the header's machine-readable line uses for an element type.
static std::string getDTypeName(Type type) {
  if (type.isIndex())
    return "index";
  std::string name;
  llvm::raw_string_ostream os(name);
  type.print(os);
  return name;
}

static bool isCIdentifier(StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  // Keywords of C and C++, and the type names the header itself uses.
  static const llvm::StringSet<> reserved = {
      "auto",     "break",    "case",     "char",    "const",     "continue",
      "default",  "do",       "double",   "else",    "enum",      "extern",
      "float",    "for",      "goto",     "if",      "inline",    "int",
      "long",     "register", "restrict", "return",  "short",     "signed",
      "sizeof",   "static",   "struct",   "switch",  "typedef",   "union",
      "unsigned", "void",     "volatile", "while",   "bool",      "class",
      "delete",   "new",      "operator", "private", "public",    "template",
      "this",     "throw",    "try",      "virtual", "namespace", "using",
      "int8_t",   "int16_t",  "int32_t",  "int64_t", "uint16_t",  "true",
      "false",    "nullptr"};
  if (reserved.contains(name))
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

static std::string getDimName(const CParam &arg, int64_t dim) {
  return arg.name + "_dim" + std::to_string(dim);
}

//===----------------------------------------------------------------------===//
// Describing entry points
//===----------------------------------------------------------------------===//

static std::optional<CResultDim> traceDim(Value value, int64_t dim,
                                          Block &entry, int depth = 0);

/// Where the index `value` comes from: a constant or a dimension.
static std::optional<CResultDim> traceIndex(Value value, Block &entry,
                                            int depth) {
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return *constant >= 0 ? std::optional(CResultDim{*constant}) : std::nullopt;
  if (auto dimOp = value.getDefiningOp<tensor::DimOp>())
    if (std::optional<int64_t> index = dimOp.getConstantIndex())
      return traceDim(dimOp.getSource(), *index, entry, depth + 1);
  if (auto dimOp = value.getDefiningOp<memref::DimOp>())
    if (std::optional<int64_t> index = dimOp.getConstantIndex())
      return traceDim(dimOp.getSource(), *index, entry, depth + 1);
  return std::nullopt;
}

/// Where dimension `dim` of the shaped `value` comes from: a static size or a
/// dimension of an entry-block argument, followed through destination
/// operands, tensor.empty, casts and tensor.expand_shape's output sizes.
static std::optional<CResultDim> traceDim(Value value, int64_t dim,
                                          Block &entry, int depth) {
  auto type = dyn_cast<ShapedType>(value.getType());
  if (!type || !type.hasRank() || dim < 0 || dim >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(dim))
    return CResultDim{type.getDimSize(dim)};
  if (depth > 64)
    return std::nullopt;
  if (auto arg = dyn_cast<BlockArgument>(value))
    if (arg.getOwner() == &entry)
      return CResultDim{0, arg.getArgNumber(), dim};
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(def))
    return traceDim(dps.getTiedOpOperand(cast<OpResult>(value))->get(), dim,
                    entry, depth + 1);
  if (auto empty = dyn_cast<tensor::EmptyOp>(def))
    return traceIndex(empty.getDynamicSize(dim), entry, depth + 1);
  if (auto alloc = dyn_cast<memref::AllocOp>(def))
    return traceIndex(
        alloc.getDynamicSizes()[alloc.getType().getDynamicDimIndex(dim)], entry,
        depth + 1);
  if (auto castOp = dyn_cast<tensor::CastOp>(def))
    return traceDim(castOp.getSource(), dim, entry, depth + 1);
  // A reshape that splits rows (B*S -> B x S) states each size it makes.
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def))
    if (auto size = dyn_cast<Value>(expand.getMixedOutputShape()[dim]))
      return traceIndex(size, entry, depth + 1);
  return std::nullopt;
}

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

/// The shape rules of `func`'s fff ops that the verifier left to run time
/// and that relate argument sizes: the entry point checks them and returns a
/// status. Rules on sizes computed inside the function keep their cf.assert.
static LogicalResult collectShapeChecks(func::FuncOp func, CEntryPoint &entry) {
  Block &body = func.getBody().front();
  func.walk([&](Operation *op) {
    if (!isa<FFFDialect>(op->getDialect()))
      return;
    for (const DynamicShapeRule &rule : getDynamicShapeRules(op)) {
      std::optional<CResultDim> lhs = traceDim(rule.value, rule.dim, body);
      std::optional<CResultDim> rhs =
          rule.other ? traceDim(rule.other, rule.otherDim, body)
                     : std::optional(CResultDim{rule.expected});
      if (!lhs || !rhs)
        continue;
      if (lhs->argIndex < 0)
        std::swap(lhs, rhs);
      if (lhs->argIndex < 0) // both static: the verifier decided it
        continue;
      if (lhs->argIndex == rhs->argIndex && lhs->argDim == rhs->argDim)
        continue; // holds by construction (init made from the input's size)
      bool same = llvm::any_of(entry.shapeChecks, [&](const CShapeCheck &c) {
        return !c.atMost && c.lhs.argIndex == lhs->argIndex &&
               c.lhs.argDim == lhs->argDim &&
               c.rhs.argIndex == rhs->argIndex && c.rhs.argDim == rhs->argDim &&
               c.rhs.size == rhs->size;
      });
      if (!same)
        entry.shapeChecks.push_back(
            {*lhs, *rhs,
             (op->getName().getStringRef() + ": " + rule.message).str()});
    }
  });
  return success();
}

/// The checks that argument attributes ask for (CInterface.h): index bounds
/// on integer arrays, sizes equal across arguments, upper size bounds.
static LogicalResult collectArgumentChecks(func::FuncOp func,
                                           CEntryPoint &entry) {
  auto isDynamicDim = [&](int64_t arg, int64_t dim) {
    return arg >= 0 && arg < static_cast<int64_t>(entry.args.size()) &&
           entry.args[arg].isArray && dim >= 0 &&
           dim < static_cast<int64_t>(entry.args[arg].shape.size()) &&
           entry.args[arg].shape[dim] == ShapedType::kDynamic;
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
        if (v.size() != 3 || !isDynamicDim(i, v[0]) || !isDynamicDim(v[1], v[2]))
          return error() << "fff.same_sizes entry " << item
                         << " is not [dim, arg, dim] of dynamic dimensions";
        entry.shapeChecks.push_back(
            {CResultDim{0, static_cast<int64_t>(i), v[0]},
             CResultDim{0, v[1], v[2]},
             "argument sizes of one name must be equal"});
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
        if (!isDynamicDim(i, d))
          return error() << "fff.max_sizes bounds static dimension " << d;
        entry.shapeChecks.push_back(
            {CResultDim{0, static_cast<int64_t>(i), static_cast<int64_t>(d)},
             CResultDim{bound}, "a size bounded by the model", true});
      }
    }
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
  Block &body = func.getBody().front();
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
  // Only the entry block's return is traced; a function with several blocks
  // has its result sizes decided at run time.
  if (!func.getBody().hasOneBlock() && func.getNumResults())
    return func.emitError()
           << "has several blocks; the C ABI needs result sizes known from "
              "the arguments, so lower the control flow later (e.g. scf)";
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret && func.getNumResults())
    return func.emitError() << "does not end in func.return, so its results "
                               "cannot be traced";
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
    for (int64_t d = 0, e = param->shape.size(); d < e; ++d) {
      std::optional<CResultDim> dim = traceDim(ret.getOperand(i), d, body);
      if (!dim)
        return func.emitError()
               << "dimension " << d << " of result " << i
               << " is not a dimension of an argument, so a C caller cannot "
                  "size its buffer; make it static or derive it from an "
                  "argument (tensor.dim / an fff op's init)";
      param->resultDims.push_back(*dim);
    }
    entry.results.push_back(std::move(*param));
  }
  // Every name in the C signature, the size parameters included.
  llvm::StringSet<> names;
  for (const CParam &param :
       llvm::concat<const CParam>(entry.args, entry.results)) {
    SmallVector<std::string> declared = {param.name};
    if (param.resultDims.empty())
      for (auto [d, size] : llvm::enumerate(param.shape))
        if (size == ShapedType::kDynamic)
          declared.push_back(getDimName(param, d));
    for (const std::string &name : declared)
      if (!names.insert(name).second)
        return func.emitError() << "two parameters are named '" << name
                                << "' (rename one with fff.name)";
  }
  if (failed(collectArgumentChecks(func, entry)) ||
      failed(collectShapeChecks(func, entry)))
    return failure();
  return entry;
}

FailureOr<std::vector<CEntryPoint>>
fff::describeCEntryPoints(ModuleOp module, StringRef prefix) {
  std::vector<CEntryPoint> entries;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.isPublic())
      continue;
    FailureOr<CEntryPoint> entry = describeFunction(func, prefix);
    if (failed(entry))
      return failure();
    if (Operation *clash = module.lookupSymbol(entry->symbol))
      return clash->emitError()
             << "the symbol '" << entry->symbol
             << "' is taken: it is the C entry point of @" << entry->function
             << " (choose another prefix)";
    entries.push_back(std::move(*entry));
  }
  return entries;
}

void fff::prepareForLowering(ModuleOp module, ArrayRef<CEntryPoint> entries) {
  module.getContext()->getOrLoadDialect<bufferization::BufferizationDialect>();
  for (const CEntryPoint &entry : entries) {
    auto func = module.lookupSymbol<func::FuncOp>(entry.function);
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      for (StringRef name : {"fff.name", "fff.index_bound", "fff.same_sizes",
                             "fff.max_sizes"})
        func.removeArgAttr(i, name);
    for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
      func.removeResultAttr(i,
                            StringAttr::get(module.getContext(), "fff.name"));
    // Each result becomes its own out-parameter: a tensor returned twice
    // gets a copy (buffer-results-to-out-params cannot give one buffer two
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
        func.setArgAttr(i,
                        bufferization::BufferizationDialect::kWritableAttrName,
                        BoolAttr::get(module.getContext(), false));
  }
}

//===----------------------------------------------------------------------===//
// Generating entry points (LLVM dialect)
//===----------------------------------------------------------------------===//

namespace {
/// Builds one entry point; `b` starts in its entry block.
struct EntryPointBuilder {
  OpBuilder &b;
  Location loc;
  Type ptrType, i64Type, i32Type, i1Type;

  EntryPointBuilder(OpBuilder &b, Location loc)
      : b(b), loc(loc), ptrType(LLVM::LLVMPointerType::get(b.getContext())),
        i64Type(b.getI64Type()), i32Type(b.getI32Type()),
        i1Type(b.getI1Type()) {}

  Value i64(int64_t v) { return LLVM::ConstantOp::create(b, loc, i64Type, v); }
  Value i32(int64_t v) { return LLVM::ConstantOp::create(b, loc, i32Type, v); }
  Value i1(bool v) { return LLVM::ConstantOp::create(b, loc, i1Type, v); }
  Value mul(Value x, Value y) { return LLVM::MulOp::create(b, loc, x, y); }
  Value orOf(Value x, Value y) { return LLVM::OrOp::create(b, loc, x, y); }
  Value cmp(LLVM::ICmpPredicate p, Value x, Value y) {
    return LLVM::ICmpOp::create(b, loc, p, x, y);
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

/// `int32_t fffGpuTakeError(void)` of the CUDA runtime, declared once.
static LLVM::LLVMFuncOp lookupOrCreateTakeError(ModuleOp module,
                                                EntryPointBuilder &eb) {
  constexpr StringLiteral name = "fffGpuTakeError";
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return existing;
  OpBuilder b(module.getBodyRegion());
  return LLVM::LLVMFuncOp::create(b, eb.loc, name,
                                  LLVM::LLVMFunctionType::get(eb.i32Type, {}));
}

static LogicalResult generateEntryPoint(ModuleOp module,
                                        const CEntryPoint &entry) {
  auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(entry.function);
  if (!callee)
    return module.emitError() << "no lowered function @" << entry.function
                              << " for the C entry point " << entry.symbol;
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
    nullPointer = eb.orOf(nullPointer, eb.nullButNotEmpty(value, sizes));
    eb.appendDescriptor(operands, value, sizes);
  }
  SmallVector<SmallVector<Value>> resultSizes;
  SmallVector<Value> outputs;
  for (const CParam &result : entry.results) {
    Value out = block->getArgument(next++);
    SmallVector<Value> &sizes = resultSizes.emplace_back();
    for (const CResultDim &dim : result.resultDims)
      sizes.push_back(dim.argIndex < 0 ? eb.i64(dim.size)
                                       : argSizes[dim.argIndex][dim.argDim]);
    nullPointer = eb.orOf(nullPointer, eb.nullButNotEmpty(out, sizes));
    outputs.push_back(out);
  }

  Value shapeMismatch = eb.i1(false);
  for (const CShapeCheck &check : entry.shapeChecks) {
    auto size = [&](const CResultDim &dim) {
      return dim.argIndex < 0 ? eb.i64(dim.size)
                              : argSizes[dim.argIndex][dim.argDim];
    };
    Value lhs = size(check.lhs);
    Value rhs = size(check.rhs);
    Value differ = eb.cmp(check.atMost ? LLVM::ICmpPredicate::sgt
                                       : LLVM::ICmpPredicate::ne,
                          lhs, rhs);
    shapeMismatch = eb.orOf(shapeMismatch, differ);
  }

  // Bad arguments return before anything runs: negative sizes first (the
  // other checks use the sizes), then shape rules, then NULL pointers.
  auto code = [&](CStatus status) {
    return eb.i32(static_cast<int32_t>(status));
  };
  Value nullCode = code(CStatus::NullPointer);
  Value okCode = code(CStatus::Ok);
  Value status =
      LLVM::SelectOp::create(b, loc, nullPointer, nullCode, okCode);
  status = LLVM::SelectOp::create(b, loc, shapeMismatch,
                                  code(CStatus::ShapeMismatch), status);
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
      run = eb.checkIndices(
          run, exit, argPointers[i], arg.elementType, argSizes[i],
          *arg.indexBound, static_cast<int32_t>(CStatus::IndexOutOfRange));

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
  if (!entry.onDevice) {
    LLVM::CallOp::create(b, loc, callee, operands);
    LLVM::BrOp::create(b, loc, ValueRange{code(CStatus::Ok)}, exit);
  } else {
    // The CUDA runtime records failures instead of aborting: drop any left
    // from the caller's own runtime calls, run, then report this call's.
    auto takeError = lookupOrCreateTakeError(module, eb);
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
  return success();
}

LogicalResult fff::generateCEntryPoints(ModuleOp module,
                                        ArrayRef<CEntryPoint> entries) {
  for (const CEntryPoint &entry : entries)
    if (failed(generateEntryPoint(module, entry)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// The header
//===----------------------------------------------------------------------===//

/// `[a_dim0][768]`: the shape in the header's comments.
static std::string getShapeText(const CEntryPoint &entry, const CParam &param) {
  std::string text;
  for (auto [d, size] : llvm::enumerate(param.shape)) {
    std::string dim;
    if (!param.resultDims.empty() && param.resultDims[d].argIndex >= 0) {
      const CResultDim &source = param.resultDims[d];
      dim = getDimName(entry.args[source.argIndex], source.argDim);
    } else if (!param.resultDims.empty()) {
      dim = std::to_string(param.resultDims[d].size);
    } else {
      dim = size == ShapedType::kDynamic ? getDimName(param, d)
                                         : std::to_string(size);
    }
    text += "[" + dim + "]";
  }
  return text;
}

/// One line of JSON per entry point, for tools (the Python package) that load
/// a library without parsing C.
static std::string getABIJson(const CEntryPoint &entry) {
  llvm::json::Array args, results;
  for (const CParam &arg : entry.args) {
    llvm::json::Array shape;
    for (int64_t size : arg.shape)
      shape.push_back(size == ShapedType::kDynamic ? llvm::json::Value(nullptr)
                                                   : llvm::json::Value(size));
    llvm::json::Object object{{"name", arg.name},
                              {"dtype", getDTypeName(arg.elementType)},
                              {"array", arg.isArray},
                              {"writable", arg.isWritable},
                              {"shape", std::move(shape)}};
    if (arg.indexBound)
      object["index_bound"] = *arg.indexBound;
    args.push_back(std::move(object));
  }
  for (const CParam &result : entry.results) {
    llvm::json::Array shape;
    for (const CResultDim &dim : result.resultDims)
      shape.push_back(dim.argIndex < 0 ? llvm::json::Value(dim.size)
                                       : llvm::json::Value(llvm::json::Array{
                                             dim.argIndex, dim.argDim}));
    results.push_back(
        llvm::json::Object{{"name", result.name},
                           {"dtype", getDTypeName(result.elementType)},
                           {"shape", std::move(shape)}});
  }
  auto dimJson = [](const CResultDim &dim) {
    return dim.argIndex < 0
               ? llvm::json::Value(dim.size)
               : llvm::json::Value(llvm::json::Array{dim.argIndex, dim.argDim});
  };
  llvm::json::Array checks;
  for (const CShapeCheck &check : entry.shapeChecks)
    checks.push_back(llvm::json::Object{{"lhs", dimJson(check.lhs)},
                                        {"op", check.atMost ? "<=" : "=="},
                                        {"rhs", dimJson(check.rhs)},
                                        {"message", check.message}});
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(
      llvm::json::Object{{"symbol", entry.symbol},
                         {"function", entry.function},
                         {"memory", entry.onDevice ? "device" : "host"},
                         {"args", std::move(args)},
                         {"results", std::move(results)},
                         {"checks", std::move(checks)}});
  return text;
}

/// What a header of GPU entry points adds: the device-memory functions of
/// the CUDA runtime linked into the library
/// (include/fff/ExecutionEngine/CudaRuntime.h).
#define FFF_GPU_API(declaration, parameters)                                   \
  #declaration #parameters ";\n"
static constexpr StringLiteral kDeviceRuntimeDeclarations = R"(
/* Compiled for an NVIDIA GPU: every array argument and result below is a
 * DEVICE pointer. The library carries its own CUDA runtime, which needs
 * only the driver (libcuda.so.1) and manages device memory; each function
 * returns 0 on success and 1 on failure, with the reason in
 * fffGpuLastError(). */
#include <stddef.h>
)"
#include "fff/ExecutionEngine/CudaRuntimeAPI.def"
    ;
#undef FFF_GPU_API

ArrayRef<CStatusInfo> fff::getCStatusInfos() {
  static constexpr CStatusInfo infos[] = {
#define FFF_STATUS(NAME, CODE, C_NAME, COMMENT, MESSAGE)                       \
  {CStatus::NAME, #C_NAME, COMMENT, MESSAGE},
#include "fff/Target/CStatus.def"
  };
  return infos;
}

/// The status codes as a C enum and fff_status_string(), guarded so that
/// several generated headers can be included together.
static void writeStatusCodes(llvm::raw_ostream &os) {
  ArrayRef<CStatusInfo> infos = getCStatusInfos();
  SmallVector<std::string> enumerators;
  size_t width = 0;
  for (const CStatusInfo &info : infos) {
    enumerators.push_back(("  " + info.cName + " = " +
                           Twine(static_cast<int32_t>(info.status)) +
                           (&info == &infos.back() ? "" : ","))
                              .str());
    width = std::max(width, enumerators.back().size());
  }
  os << "#ifndef FFF_STATUS_CODES\n#define FFF_STATUS_CODES\nenum {\n";
  for (auto [info, enumerator] : llvm::zip(infos, enumerators)) {
    os << enumerator;
    if (!info.comment.empty())
      os.indent(width + 1 - enumerator.size()) << "/* " << info.comment << " */";
    os << "\n";
  }
  os << "};\n\n"
     << "static inline const char *fff_status_string(int32_t status) {\n"
     << "  switch (status) {\n";
  for (const CStatusInfo &info : infos)
    os << "  case " << info.cName << ": return \"" << info.message << "\";\n";
  os << "  default: return \"unknown status\";\n"
     << "  }\n}\n#endif\n\n";
}

void fff::writeCHeader(llvm::raw_ostream &os, ArrayRef<CEntryPoint> entries,
                       StringRef guard, StringRef source) {
  os << "/* Generated by fff-compile from " << source << ". Do not edit.\n"
     << " *\n"
     << " * Arrays are contiguous and row-major. Each entry point reads its\n"
     << " * arguments, writes each result into a caller-allocated buffer of\n"
     << " * the shape stated below, and returns FFF_OK or an error status.\n"
     << " * Result buffers are written in place and must not overlap any\n"
     << " * argument.\n"
     << " * f16 and bf16 elements are passed as their bits (uint16_t). */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n"
     << "/* The C ABI these entry points follow. */\n"
     << "#define FFF_ABI_VERSION " << kCABIVersion << "\n\n";
  writeStatusCodes(os);
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n";
  if (llvm::any_of(entries, [](const CEntryPoint &e) { return e.onDevice; }))
    os << kDeviceRuntimeDeclarations;
  for (const CEntryPoint &entry : entries) {
    os << "\n/* @" << entry.function << "\n";
    for (const CParam &arg : entry.args) {
      os << " *   " << arg.name << ": " << getCTypeName(arg.elementType)
         << (arg.isArray ? getShapeText(entry, arg) : std::string(" scalar"));
      if (arg.indexBound)
        os << ", each in [0, " << *arg.indexBound << ")";
      os << "\n";
    }
    for (const CParam &result : entry.results)
      os << " *   " << result.name
         << " (result): " << getCTypeName(result.elementType)
         << getShapeText(entry, result) << "\n";
    for (const CShapeCheck &check : entry.shapeChecks) {
      auto dimText = [&](const CResultDim &dim) {
        return dim.argIndex < 0
                   ? std::to_string(dim.size)
                   : getDimName(entry.args[dim.argIndex], dim.argDim);
      };
      os << " *   requires " << dimText(check.lhs)
         << (check.atMost ? " <= " : " == ") << dimText(check.rhs) << " ("
         << check.message << ")\n";
    }
    os << " * fff-abi: " << getABIJson(entry) << " */\n";
    os << "int32_t " << entry.symbol << "(";
    llvm::ListSeparator sep(", ");
    for (const CParam &arg : entry.args) {
      if (!arg.isArray) {
        os << sep << getCTypeName(arg.elementType) << " " << arg.name;
        continue;
      }
      os << sep << (arg.isWritable ? "" : "const ")
         << getCTypeName(arg.elementType) << " *" << arg.name;
      for (auto [d, size] : llvm::enumerate(arg.shape))
        if (size == ShapedType::kDynamic)
          os << sep << "int64_t " << getDimName(arg, d);
    }
    for (const CParam &result : entry.results)
      os << sep << getCTypeName(result.elementType) << " *" << result.name;
    if (entry.args.empty() && entry.results.empty())
      os << "void";
    os << ");\n";
  }
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
}
