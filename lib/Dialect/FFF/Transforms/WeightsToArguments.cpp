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
#include "llvm/ADT/MapVector.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFWEIGHTSTOARGUMENTS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

/// The weight operands of `op` with their ODS names; data operands (rows,
/// indices, init) are not weights.
static SmallVector<std::pair<OpOperand *, StringRef>>
getWeightOperands(Operation *op) {
  SmallVector<std::pair<OpOperand *, StringRef>> weights;
  auto add = [&](MutableOperandRange range, StringRef name) {
    for (OpOperand &operand : range)
      weights.push_back({&operand, name});
  };
  if (auto route = dyn_cast<RouteOp>(op)) {
    add(route.getNodeWeightsMutable(), "node_weights");
    add(route.getNodeBiasesMutable(), "node_biases");
  } else if (auto path = dyn_cast<RoutePathOp>(op)) {
    add(path.getNodeWeightsMutable(), "node_weights");
    add(path.getNodeBiasesMutable(), "node_biases");
  } else if (auto cmm = dyn_cast<CmmOp>(op)) {
    add(cmm.getBankMutable(), "bank");
    add(cmm.getBiasMutable(), "bias");
  } else if (auto leaf = dyn_cast<LeafMlpOp>(op)) {
    add(leaf.getNodeWeightsMutable(), "node_weights");
    add(leaf.getNodeBiasesMutable(), "node_biases");
    add(leaf.getW1Mutable(), "w1");
    add(leaf.getB1Mutable(), "b1");
    add(leaf.getW2Mutable(), "w2");
    add(leaf.getB2Mutable(), "b2");
    static const char *masterNames[] = {"magic_w1", "magic_b1", "magic_w2",
                                        "magic_b2", "k"};
    for (auto [i, operand] : llvm::enumerate(leaf.getMasterMutable()))
      weights.push_back({&operand, masterNames[i]});
  } else if (auto neuron = dyn_cast<PathNeuronOp>(op)) {
    add(neuron.getNodeWeightsMutable(), "node_weights");
    add(neuron.getNodeBiasesMutable(), "node_biases");
    add(neuron.getOutputWeightsMutable(), "output_weights");
  }
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
    // Constant weight -> (operands that use it, name), in op order.
    llvm::MapVector<Value, std::pair<SmallVector<OpOperand *>, std::string>>
        hoisted;
    int64_t layers = 0;
    SmallVector<std::pair<Operation *, int64_t>> ops;
    func.walk([&](Operation *op) {
      if (isa<FFFDialect>(op->getDialect()))
        ops.push_back({op, layers++});
    });
    // Names are per operand, so with several layers they need the layer.
    for (auto [op, index] : ops) {
      for (auto [operand, name] : getWeightOperands(op)) {
        Value value = operand->get();
        if (!value.getDefiningOp<arith::ConstantOp>())
          continue;
        auto &entry = hoisted[value];
        if (entry.first.empty())
          entry.second =
              layers > 1 ? ("l" + Twine(index) + "_" + name).str() : name.str();
        entry.first.push_back(operand);
      }
    }
    if (hoisted.empty())
      return success();
    if (!SymbolTable::symbolKnownUseEmpty(func, module))
      return func.emitOpError("is called inside the module, so its weights "
                              "cannot become arguments (its callers would "
                              "not pass them)");

    MLIRContext *ctx = &getContext();
    for (auto &[value, uses] : hoisted) {
      unsigned index = func.getNumArguments();
      auto name = NamedAttribute(StringAttr::get(ctx, "fff.name"),
                                 StringAttr::get(ctx, uses.second));
      if (failed(func.insertArgument(index, value.getType(),
                                     DictionaryAttr::get(ctx, {name}),
                                     value.getLoc())))
        return failure();
      for (OpOperand *use : uses.first)
        use->set(func.getArgument(index));
    }
    for (auto &entry : hoisted)
      if (Operation *constant = entry.first.getDefiningOp();
          constant->use_empty())
        constant->erase();
    return success();
  }
};
} // namespace
