//===- CInterface.cpp - The C ABI's description, header and JSON ---------===//
//
// An entry point's description lives in the IR, as the fff.c_abi dictionary
// that fff-describe-c-abi attaches to each public function
// (DescribeCABI.cpp), so that it travels through the pipeline with the
// function; fff-generate-c-entry-points (GenerateCEntryPoints.cpp) builds the
// entry point from it, and the header and the JSON description are both
// written from it here.
//
//===----------------------------------------------------------------------===//

#include "fff/Target/CInterface.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
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

std::string fff::getDTypeName(Type type) {
  if (type.isIndex())
    return "index";
  std::string name;
  llvm::raw_string_ostream os(name);
  type.print(os);
  return name;
}

bool fff::isCIdentifier(StringRef name) {
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


SmallVector<std::pair<unsigned, unsigned>> CEntryPoint::getSizeParams() const {
  SmallVector<std::pair<unsigned, unsigned>> params;
  for (auto [i, arg] : llvm::enumerate(args))
    if (arg.isArray)
      for (auto [d, size] : llvm::enumerate(arg.shape))
        if (size == ShapedType::kDynamic)
          params.emplace_back(i, d);
  return params;
}

//===----------------------------------------------------------------------===//
// The attribute form (fff.c_abi)
//===----------------------------------------------------------------------===//
//
//   fff.c_abi = {function = "f", symbol = "fff_f", device,
//     args = [{name = "x", type = tensor<?x?x768xf32>},
//             {name = "ids", type = tensor<?x?xi64>, index_bound = 30522}],
//     results = [{name = "y", type = tensor<?x768xf32>,
//                 sizes = affine_map<()[s0, s1] -> (s0 * s1, 768)>}],
//     checks = [{sizes = affine_map<()[s0, s1] -> (s1, 128)>, op = "<=",
//                message = "..."}]}
//
// The symbols of every map are the entry point's size parameters.

/// The type a parameter stands for: a ranked tensor (read only), a memref
/// (written), or a scalar.
static Type getParamType(const CParam &param) {
  if (!param.isArray)
    return param.elementType;
  if (param.isWritable)
    return MemRefType::get(param.shape, param.elementType);
  return RankedTensorType::get(param.shape, param.elementType);
}

DictionaryAttr fff::toAttribute(const CEntryPoint &entry,
                                MLIRContext *context) {
  Builder b(context);
  unsigned numSymbols = entry.getSizeParams().size();
  auto sizes = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMapAttr::get(AffineMap::get(0, numSymbols, exprs, context));
  };
  auto param = [&](const CParam &p, bool isResult) -> Attribute {
    NamedAttrList attrs;
    attrs.append("name", b.getStringAttr(p.name));
    attrs.append("type", TypeAttr::get(getParamType(p)));
    if (p.indexBound)
      attrs.append("index_bound", b.getI64IntegerAttr(*p.indexBound));
    if (isResult)
      attrs.append("sizes", sizes(p.resultSizes));
    return attrs.getDictionary(context);
  };
  SmallVector<Attribute> args, results, checks;
  for (const CParam &arg : entry.args)
    args.push_back(param(arg, false));
  for (const CParam &result : entry.results)
    results.push_back(param(result, true));
  for (const CShapeCheck &check : entry.shapeChecks) {
    NamedAttrList attrs;
    attrs.append("sizes", sizes({check.lhs, check.rhs}));
    attrs.append("op", b.getStringAttr(check.atMost ? "<=" : "=="));
    attrs.append("message", b.getStringAttr(check.message));
    checks.push_back(attrs.getDictionary(context));
  }
  NamedAttrList attrs;
  attrs.append("function", b.getStringAttr(entry.function));
  attrs.append("symbol", b.getStringAttr(entry.symbol));
  if (entry.onDevice)
    attrs.append("device", b.getUnitAttr());
  attrs.append("args", b.getArrayAttr(args));
  attrs.append("results", b.getArrayAttr(results));
  attrs.append("checks", b.getArrayAttr(checks));
  return attrs.getDictionary(context);
}

FailureOr<CEntryPoint> fff::fromAttribute(Operation *op, DictionaryAttr attr) {
  auto bad = [&](const Twine &what) {
    return op->emitError() << "malformed " << kCABIAttrName << ": " << what;
  };
  CEntryPoint entry;
  auto function = attr.getAs<StringAttr>("function");
  auto symbol = attr.getAs<StringAttr>("symbol");
  auto args = attr.getAs<ArrayAttr>("args");
  auto results = attr.getAs<ArrayAttr>("results");
  auto checks = attr.getAs<ArrayAttr>("checks");
  if (!function || !symbol || !args || !results || !checks)
    return bad("needs the strings 'function' and 'symbol' and the arrays "
               "'args', 'results' and 'checks'");
  entry.function = function.str();
  entry.symbol = symbol.str();
  entry.onDevice = attr.contains("device");
  auto readParam = [&](Attribute item) -> FailureOr<CParam> {
    auto dict = dyn_cast<DictionaryAttr>(item);
    auto name = dict ? dict.getAs<StringAttr>("name") : StringAttr();
    auto type = dict ? dict.getAs<TypeAttr>("type") : TypeAttr();
    if (!name || !type)
      return bad("each parameter needs a 'name' and a 'type'");
    CParam param;
    param.name = name.str();
    param.elementType = type.getValue();
    if (auto shaped = dyn_cast<ShapedType>(type.getValue())) {
      if (!shaped.hasRank())
        return bad("parameter '" + param.name + "' has no rank");
      param.isArray = true;
      param.isWritable = isa<MemRefType>(shaped);
      param.elementType = shaped.getElementType();
      param.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
    }
    if (auto bound = dict.getAs<IntegerAttr>("index_bound"))
      param.indexBound = bound.getInt();
    return param;
  };
  for (Attribute item : args) {
    FailureOr<CParam> param = readParam(item);
    if (failed(param))
      return failure();
    entry.args.push_back(std::move(*param));
  }
  unsigned numSymbols = entry.getSizeParams().size();
  auto readSizes = [&](Attribute item, size_t count,
                       SmallVectorImpl<AffineExpr> &exprs) -> LogicalResult {
    auto dict = cast<DictionaryAttr>(item);
    auto sizes = dict.getAs<AffineMapAttr>("sizes");
    if (!sizes || sizes.getValue().getNumDims() != 0 ||
        sizes.getValue().getNumSymbols() != numSymbols ||
        sizes.getValue().getNumResults() != count)
      return bad("'sizes' must be an affine map of no dimensions, " +
                 Twine(numSymbols) + " symbols and " + Twine(count) +
                 " results");
    llvm::append_range(exprs, sizes.getValue().getResults());
    return success();
  };
  for (Attribute item : results) {
    FailureOr<CParam> param = readParam(item);
    if (failed(param) || !param->isArray)
      return failed(param) ? failure() : bad("results must be arrays");
    if (failed(readSizes(item, param->shape.size(), param->resultSizes)))
      return failure();
    entry.results.push_back(std::move(*param));
  }
  for (Attribute item : checks) {
    auto dict = dyn_cast<DictionaryAttr>(item);
    auto opName = dict ? dict.getAs<StringAttr>("op") : StringAttr();
    auto message = dict ? dict.getAs<StringAttr>("message") : StringAttr();
    if (!opName || !message ||
        (opName.getValue() != "==" && opName.getValue() != "<="))
      return bad("each check needs 'sizes', 'op' (\"==\" or \"<=\") and "
                 "'message'");
    SmallVector<AffineExpr, 2> sides;
    if (failed(readSizes(item, 2, sides)))
      return failure();
    entry.shapeChecks.push_back(
        {sides[0], sides[1], message.str(), opName.getValue() == "<="});
  }
  return entry;
}

FailureOr<std::vector<CEntryPoint>> fff::readCEntryPoints(ModuleOp module) {
  std::vector<CEntryPoint> entries;
  for (auto function : module.getOps<FunctionOpInterface>()) {
    auto attr = function->getAttrOfType<DictionaryAttr>(kCABIAttrName);
    if (!attr)
      continue;
    FailureOr<CEntryPoint> entry = fromAttribute(function, attr);
    if (failed(entry))
      return failure();
    entries.push_back(std::move(*entry));
  }
  return entries;
}

//===----------------------------------------------------------------------===//
// The header
//===----------------------------------------------------------------------===//

/// The C names of the size parameters (`x_dim0`, ...), symbol by symbol.
static SmallVector<std::string> getSizeNames(const CEntryPoint &entry) {
  SmallVector<std::string> names;
  for (auto [arg, dim] : entry.getSizeParams())
    names.push_back(getDimName(entry.args[arg], dim));
  return names;
}

/// `x_dim0 * x_dim1`: a size as the header's comments spell it.
static std::string getSizeText(ArrayRef<std::string> names, AffineExpr expr,
                               AffineExprKind parent = AffineExprKind::Add,
                               bool top = true) {
  if (auto constant = dyn_cast<AffineConstantExpr>(expr))
    return std::to_string(constant.getValue());
  if (auto symbol = dyn_cast<AffineSymbolExpr>(expr))
    return names[symbol.getPosition()];
  auto binary = cast<AffineBinaryOpExpr>(expr);
  AffineExprKind kind = binary.getKind();
  AffineExpr rhs = binary.getRHS();
  StringRef op = " + ";
  if (kind == AffineExprKind::Add) {
    // a + b * -1 is a - b.
    if (auto mul = dyn_cast<AffineBinaryOpExpr>(rhs))
      if (mul.getKind() == AffineExprKind::Mul)
        if (auto c = dyn_cast<AffineConstantExpr>(mul.getRHS()))
          if (c.getValue() == -1) {
            op = " - ";
            rhs = mul.getLHS();
          }
  } else {
    op = kind == AffineExprKind::Mul        ? " * "
         : kind == AffineExprKind::FloorDiv ? " / "
         : kind == AffineExprKind::CeilDiv  ? " ceildiv "
                                            : " % ";
  }
  // Sums and products chain without parentheses.
  bool chains = kind == AffineExprKind::Add || kind == AffineExprKind::Mul;
  std::string text = getSizeText(names, binary.getLHS(), kind, false) +
                     op.str() +
                     getSizeText(names, rhs, AffineExprKind::Mod, false);
  return top || (chains && kind == parent) ? text : "(" + text + ")";
}

/// `[x_dim0][768]`: the shape in the header's comments.
static std::string getShapeText(const CParam &param,
                                ArrayRef<std::string> names) {
  std::string text;
  for (auto [d, size] : llvm::enumerate(param.shape)) {
    std::string dim;
    if (!param.resultSizes.empty())
      dim = getSizeText(names, param.resultSizes[d]);
    else
      dim = size == ShapedType::kDynamic ? getDimName(param, d)
                                         : std::to_string(size);
    text += "[" + dim + "]";
  }
  return text;
}

/// A size in the JSON description: a number, [argument, dimension], or
/// {"op": "+" | "*" | "floordiv" | "ceildiv" | "mod", "lhs": .., "rhs": ..}.
static llvm::json::Value getSizeJson(const CEntryPoint &entry,
                                     AffineExpr expr) {
  if (auto constant = dyn_cast<AffineConstantExpr>(expr))
    return constant.getValue();
  if (auto symbol = dyn_cast<AffineSymbolExpr>(expr)) {
    auto [arg, dim] = entry.getSizeParams()[symbol.getPosition()];
    return llvm::json::Array{arg, dim};
  }
  auto binary = cast<AffineBinaryOpExpr>(expr);
  StringRef op;
  switch (binary.getKind()) {
  case AffineExprKind::Add: op = "+"; break;
  case AffineExprKind::Mul: op = "*"; break;
  case AffineExprKind::FloorDiv: op = "floordiv"; break;
  case AffineExprKind::CeilDiv: op = "ceildiv"; break;
  default: op = "mod"; break;
  }
  return llvm::json::Object{{"op", op},
                            {"lhs", getSizeJson(entry, binary.getLHS())},
                            {"rhs", getSizeJson(entry, binary.getRHS())}};
}

/// One entry point in the JSON description, for tools (the Python package)
/// that load a library without parsing C.
static llvm::json::Value getEntryJson(const CEntryPoint &entry) {
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
    for (AffineExpr size : result.resultSizes)
      shape.push_back(getSizeJson(entry, size));
    results.push_back(
        llvm::json::Object{{"name", result.name},
                           {"dtype", getDTypeName(result.elementType)},
                           {"shape", std::move(shape)}});
  }
  llvm::json::Array checks;
  for (const CShapeCheck &check : entry.shapeChecks)
    checks.push_back(llvm::json::Object{{"lhs", getSizeJson(entry, check.lhs)},
                                        {"op", check.atMost ? "<=" : "=="},
                                        {"rhs", getSizeJson(entry, check.rhs)},
                                        {"message", check.message}});
  return llvm::json::Object{{"symbol", entry.symbol},
                            {"function", entry.function},
                            {"memory", entry.onDevice ? "device" : "host"},
                            {"args", std::move(args)},
                            {"results", std::move(results)},
                            {"checks", std::move(checks)}};
}

void fff::writeCDescription(llvm::raw_ostream &os,
                            ArrayRef<CEntryPoint> entries, StringRef source) {
  llvm::json::Array list;
  for (const CEntryPoint &entry : entries)
    list.push_back(getEntryJson(entry));
  llvm::json::Object description{{"abi_version", kCABIVersion},
                                 {"source", source},
                                 {"entry_points", std::move(list)}};
  os << llvm::json::Value(std::move(description)) << "\n";
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
     << " * f16 and bf16 elements are passed as their bits (uint16_t).\n"
     << " * Tools read the machine-readable description fff-compile writes\n"
     << " * beside the library (.json), not these comments. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n"
     << "/* The C ABI these entry points follow. */\n"
     << "#define FFF_ABI_VERSION " << kCABIVersion << "\n\n";
  writeStatusCodes(os);
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n";
  if (llvm::any_of(entries, [](const CEntryPoint &e) { return e.onDevice; }))
    os << kDeviceRuntimeDeclarations;
  for (const CEntryPoint &entry : entries) {
    SmallVector<std::string> names = getSizeNames(entry);
    os << "\n/* @" << entry.function << "\n";
    for (const CParam &arg : entry.args) {
      os << " *   " << arg.name << ": " << getCTypeName(arg.elementType)
         << (arg.isArray ? getShapeText(arg, names) : std::string(" scalar"));
      if (arg.indexBound)
        os << ", each in [0, " << *arg.indexBound << ")";
      os << "\n";
    }
    for (const CParam &result : entry.results)
      os << " *   " << result.name
         << " (result): " << getCTypeName(result.elementType)
         << getShapeText(result, names) << "\n";
    for (const CShapeCheck &check : entry.shapeChecks) {
      os << " *   requires " << getSizeText(names, check.lhs)
         << (check.atMost ? " <= " : " == ")
         << getSizeText(names, check.rhs) << " (" << check.message << ")\n";
    }
    os << " */\n";
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
