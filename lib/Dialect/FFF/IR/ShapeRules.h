//===- ShapeRules.h - Shape-rule checks of the fff verifiers ----*- C++ -*-===//
//
// The verifiers of every fff op state their shape rules with this class, so
// that one message format names the operand, the sizes and the rule, and the
// rules that dynamic sizes leave open are collected for run-time checks
// (fff-insert-shape-checks). Private to the dialect library.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_LIB_DIALECT_FFF_IR_SHAPERULES_H
#define FFF_LIB_DIALECT_FFF_IR_SHAPERULES_H

#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "llvm/ADT/DenseMap.h"

#include <limits>
#include <string>

namespace mlir::fff::detail {
/// Verifies shape rules of one op, stopping at the first broken rule.
class ShapeRules {
public:
  /// With a `sink`, the rules that a dynamic size keeps from being decided
  /// statically are also recorded there (for run-time checks).
  explicit ShapeRules(Operation *op,
                      SmallVectorImpl<DynamicShapeRule> *sink = nullptr)
      : op(op), sink(sink) {}

  /// Dimension `dim` of operand `name` must be `expected` (because `why`).
  /// Skipped when either size is dynamic.
  ShapeRules &dim(StringRef name, Value value, unsigned dim, int64_t expected,
                  const Twine &why) {
    int64_t size = cast<ShapedType>(value.getType()).getDimSize(dim);
    if (sink && ShapedType::isDynamic(size) && !ShapedType::isDynamic(expected))
      sink->push_back({value, dim, Value(), 0, expected,
                       ("'" + name + "' dimension " + Twine(dim) + " must be " +
                        Twine(expected) + " (" + why + ")")
                           .str()});
    return check(name, value, dim, expected, why);
  }

  /// The static part of dim(): fails on two different static sizes.
  ShapeRules &check(StringRef name, Value value, unsigned dim, int64_t expected,
                    const Twine &why) {
    if (failed)
      return *this;
    int64_t actual = cast<ShapedType>(value.getType()).getDimSize(dim);
    if (ShapedType::isDynamic(actual) || ShapedType::isDynamic(expected) ||
        actual == expected)
      return *this;
    op->emitOpError() << "'" << name << "' dimension " << dim << " must be "
                      << expected << " (" << why << "), but got " << actual
                      << " in " << value.getType();
    failed = true;
    return *this;
  }

  /// Dimension `dim` of `name` must equal dimension `otherDim` of `other`.
  /// Equalities are also chained: two static sizes both tied to the same
  /// dynamic one must agree (checked by result()).
  ShapeRules &same(StringRef name, Value value, unsigned dim,
                   StringRef otherName, Value other, unsigned otherDim,
                   const Twine &what) {
    int64_t expected = cast<ShapedType>(other.getType()).getDimSize(otherDim);
    unite(Node{value, dim, name.str()}, Node{other, otherDim, otherName.str()},
          what.str());
    int64_t size = cast<ShapedType>(value.getType()).getDimSize(dim);
    if (sink &&
        (ShapedType::isDynamic(size) || ShapedType::isDynamic(expected)))
      sink->push_back({value, dim, other, otherDim, 0,
                       ("'" + name + "' dimension " + Twine(dim) +
                        " must equal dimension " + Twine(otherDim) + " of '" +
                        otherName + "' (" + what + ")")
                           .str()});
    return check(name, value, dim, expected,
                 what + ", dimension " + Twine(otherDim) + " of '" + otherName +
                     "'");
  }

  /// The integer element type of `name` must represent `maxIndex` as a
  /// non-negative signed value (`index` always can).
  ShapeRules &indexWidth(StringRef name, Value value, int64_t maxIndex) {
    if (failed)
      return *this;
    Type elementType = getElementTypeOrSelf(value.getType());
    if (elementType.isIndex())
      return *this;
    unsigned width = elementType.getIntOrFloatBitWidth();
    // The largest non-negative signed value of `width` bits (i0 holds 0).
    int64_t largest = width >= 64  ? std::numeric_limits<int64_t>::max()
                      : width == 0 ? 0
                                   : (int64_t(1) << (width - 1)) - 1;
    if (maxIndex <= largest)
      return *this;
    op->emitOpError() << "'" << name << "' element type " << elementType
                      << " cannot hold index " << maxIndex
                      << " (signless indices are read as signed)";
    failed = true;
    return *this;
  }

  /// Success unless a rule failed, including a chain of equalities through
  /// dynamic sizes that links two different static sizes.
  LogicalResult result() {
    if (failed)
      return failure();
    // The first static member of each group, then any member that differs.
    llvm::DenseMap<unsigned, unsigned> firstStatic;
    for (unsigned i = 0; i < nodes.size(); ++i) {
      int64_t size = nodes[i].size();
      if (ShapedType::isDynamic(size))
        continue;
      auto [it, inserted] = firstStatic.try_emplace(find(i), i);
      const Node &first = nodes[it->second];
      if (inserted || first.size() == size)
        continue;
      op->emitOpError() << "'" << nodes[i].name << "' dimension "
                        << nodes[i].dim << " is " << size << " but '"
                        << first.name << "' dimension " << first.dim << " is "
                        << first.size() << ": both are the "
                        << groupWhat[find(i)]
                        << " (linked through a dynamic size)";
      failed = true;
      break;
    }
    return failure(failed);
  }

private:
  /// One dimension of one operand, a member of an equality group.
  struct Node {
    Value value;
    unsigned dim;
    std::string name;
    int64_t size() const {
      return cast<ShapedType>(value.getType()).getDimSize(dim);
    }
  };

  unsigned nodeIndex(const Node &node) {
    for (unsigned i = 0; i < nodes.size(); ++i)
      if (nodes[i].value == node.value && nodes[i].dim == node.dim)
        return i;
    nodes.push_back(node);
    parent.push_back(parent.size());
    return nodes.size() - 1;
  }
  unsigned find(unsigned i) {
    while (parent[i] != i)
      i = parent[i] = parent[parent[i]];
    return i;
  }
  void unite(const Node &a, const Node &b, std::string what) {
    unsigned ra = find(nodeIndex(a)), rb = find(nodeIndex(b));
    if (ra != rb)
      parent[ra] = rb;
    groupWhat.try_emplace(rb, std::move(what));
    if (ra != rb && groupWhat.count(ra))
      groupWhat[rb] = groupWhat[ra];
  }

  Operation *op;
  SmallVectorImpl<DynamicShapeRule> *sink;
  bool failed = false;
  SmallVector<Node> nodes;
  SmallVector<unsigned> parent;
  llvm::DenseMap<unsigned, std::string> groupWhat; // by root: e.g. "batch"
};

/// The batch ops' verifiers (FFFBatchOps.cpp), for getDynamicShapeRules.
LogicalResult verifyGroupedMatmul(GroupedMatmulOp op,
                                  SmallVectorImpl<DynamicShapeRule> *sink);

} // namespace mlir::fff::detail

#endif // FFF_LIB_DIALECT_FFF_IR_SHAPERULES_H
