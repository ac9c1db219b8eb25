//===- FFFDialect.h - The fast feedforward dialect ------------*- C++ -*-===//

#ifndef FFF_DIALECT_FFF_IR_FFFDIALECT_H
#define FFF_DIALECT_FFF_IR_FFFDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "fff/Dialect/FFF/IR/FFFOpsDialect.h.inc"

#include "fff/Dialect/FFF/IR/FFFEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fff/Dialect/FFF/IR/FFFAttrs.h.inc"

#endif // FFF_DIALECT_FFF_IR_FFFDIALECT_H
