//===- OrderConstantGlobals.cpp - Bufferized constants in a fixed order ---===//
//
// Upstream one-shot-bufferize (MLIR 22) creates the globals of tensor
// constants in a pointer-dependent order; this pass makes their names and
// places a function of the IR alone (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFORDERCONSTANTGLOBALS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

/// The prefix bufferization gives the globals of constants.
static constexpr StringLiteral kConstantPrefix = "__constant_";

/// `__constant_<type>` without the `_N` that bufferization adds when a type
/// repeats.
static StringRef baseName(StringRef name) {
  StringRef rest = name.drop_front(kConstantPrefix.size());
  auto [head, tail] = rest.rsplit('_');
  if (!tail.empty() && tail != rest && llvm::all_of(tail, llvm::isDigit))
    return name.drop_back(tail.size() + 1);
  return name;
}

namespace {
struct FFFOrderConstantGlobalsPass
    : public fff::impl::FFFOrderConstantGlobalsBase<
          FFFOrderConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // The constants' globals, in the order of their first use (unused ones
    // last, so that no new name can collide with one of them).
    auto isConstantGlobal = [](memref::GlobalOp global) {
      return global && global.getConstant() && global.isPrivate() &&
             global.getSymName().starts_with(kConstantPrefix);
    };
    llvm::MapVector<Operation *, StringAttr> order;
    module.walk([&](memref::GetGlobalOp use) {
      auto global = symbols.lookup<memref::GlobalOp>(use.getName());
      if (isConstantGlobal(global))
        order.insert({global, StringAttr()});
    });
    for (auto global : module.getOps<memref::GlobalOp>())
      if (isConstantGlobal(global))
        order.insert({global, StringAttr()});
    if (order.empty())
      return;
    // Two steps, so that no new name collides with an old one.
    for (auto [index, entry] : llvm::enumerate(order)) {
      entry.second = StringAttr::get(
          &getContext(),
          baseName(cast<memref::GlobalOp>(entry.first).getSymName()));
      if (failed(symbols.rename(
              entry.first,
              StringAttr::get(&getContext(), "__fff_ordered_" + Twine(index)))))
        return signalPassFailure();
    }
    llvm::StringMap<unsigned> seen;
    Operation *previous = nullptr;
    for (auto &[op, base] : order) {
      unsigned n = seen[base.getValue()]++;
      std::string name =
          n == 0 ? base.str() : (base.getValue() + "_" + Twine(n - 1)).str();
      if (failed(symbols.rename(op, StringAttr::get(&getContext(), name))))
        return signalPassFailure();
      if (previous)
        op->moveAfter(previous);
      else
        op->moveBefore(&module.getBody()->front());
      previous = op;
    }
  }
};
} // namespace
