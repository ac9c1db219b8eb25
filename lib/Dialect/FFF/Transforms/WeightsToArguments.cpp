//===- WeightsToArguments.cpp - Constant weights become arguments ---------===//
//
// fff-compile's `--weights=arguments`: a library whose weights are passed at
// run time can be loaded once and fed any checkpoint of the same shape, and
// it stays small. The parameter names come from the ODS operand names so the
// generated C header reads like the checkpoint.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFWEIGHTSTOARGUMENTS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

/// The weight operands of `op` with their ODS names (FFFWeights.def); data
/// operands (rows, indices, init) are not weights.
static SmallVector<std::pair<OpOperand *, StringRef>>
getWeightOperands(Operation *op) {
  SmallVector<std::pair<OpOperand *, StringRef>> weights;
  auto add = [&](MutableOperandRange range, StringRef name) {
    for (OpOperand &operand : range)
      weights.push_back({&operand, name});
  };
#define FFF_WEIGHT(OP, ACCESSOR, NAME)                                         \
  if (auto typed = dyn_cast<OP>(op))                                           \
    add(typed.get##ACCESSOR##Mutable(), NAME);
#include "fff/Dialect/FFF/IR/FFFWeights.def"
  static constexpr StringLiteral masterNames[] = {
#define FFF_MASTER_WEIGHT(NAME, RANK) NAME,
#include "fff/Dialect/FFF/IR/FFFWeights.def"
  };
  if (auto leaf = dyn_cast<LeafMlpOp>(op))
    for (auto [operand, name] : llvm::zip(leaf.getMasterMutable(), masterNames))
      weights.push_back({&operand, name});
  return weights;
}

namespace {
struct FFFWeightsToArgumentsPass
    : public fff::impl::FFFWeightsToArgumentsBase<FFFWeightsToArgumentsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      if (failed(convert(module, func)))
        return signalPassFailure();
    }
  }

  LogicalResult convert(ModuleOp module, func::FuncOp func) {
    // One argument per weight operand, not per constant: canonicalization
    // merges equal constants (two zero biases), and a checkpoint loaded later
    // must be able to give them different values.
    SmallVector<std::pair<OpOperand *, std::string>> hoisted;
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (isa<FFFDialect>(op->getDialect()))
        ops.push_back(op);
    });
    // Names are per operand, so with several layers they need the layer.
    for (auto [index, op] : llvm::enumerate(ops))
      for (auto [operand, name] : getWeightOperands(op))
        if (operand->get().getDefiningOp<arith::ConstantOp>())
          hoisted.push_back(
              {operand, ops.size() > 1 ? ("l" + Twine(index) + "_" + name).str()
                                       : name.str()});
    if (hoisted.empty())
      return success();
    if (!SymbolTable::symbolKnownUseEmpty(func, module))
      return func.emitOpError("is called inside the module, so its weights "
                              "cannot become arguments (its callers would "
                              "not pass them)");
    // A weight constant that other ops use too would keep its baked-in value
    // there while the layer takes the run-time one.
    llvm::SmallPtrSet<OpOperand *, 16> weightUses;
    for (auto &entry : hoisted)
      weightUses.insert(entry.first);
    for (auto &entry : hoisted)
      for (OpOperand &use : entry.first->get().getUses())
        if (!weightUses.contains(&use))
          return use.getOwner()->emitOpError()
                 << "uses a constant that is also the weight '" << entry.second
                 << "' of " << entry.first->getOwner()->getName()
                 << "; as an argument, the weight would no longer match this "
                    "use (give this op its own constant)";

    MLIRContext *ctx = &getContext();
    llvm::SetVector<Operation *> constants; // each once, to erase them once
    for (auto &[operand, name] : hoisted) {
      Value value = operand->get();
      unsigned index = func.getNumArguments();
      auto attr = NamedAttribute(StringAttr::get(ctx, "fff.name"),
                                 StringAttr::get(ctx, name));
      if (failed(func.insertArgument(index, value.getType(),
                                     DictionaryAttr::get(ctx, {attr}),
                                     value.getLoc())))
        return failure();
      constants.insert(value.getDefiningOp());
      operand->set(func.getArgument(index));
    }
    for (Operation *constant : constants)
      if (constant->use_empty())
        constant->erase();
    return success();
  }
};
} // namespace
