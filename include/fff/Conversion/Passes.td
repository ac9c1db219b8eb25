//===- Passes.td - Conversions out of the fff dialect -----*- tablegen -*-===//

#ifndef FFF_CONVERSION_PASSES_TD
#define FFF_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertFFFToLinalg : Pass<"convert-fff-to-linalg"> {
  let summary = "Convert fff routing and conditional matmul to linalg, scf "
                "and tensor ops";
  let description = [{
    Lowers the unfused building blocks of the dialect, op by op, to upstream
    ops on tensors that one-shot bufferization understands:

    * `fff.route` becomes a `linalg.generic` over rows whose body walks the
      tree: an `scf.for` over levels carrying the node index, each level a dot
      product that reads the row and the node's weights with `tensor.extract`.
    * `fff.route_path` becomes an `scf.forall` over rows (each row writes
      `trees * (depth + 1)` entries of both results, which a `linalg.generic`
      body cannot do) with the same walk inside.
    * `fff.cmm` becomes a `linalg.generic` whose body gathers from the bank at
      the row's index (`tensor.extract` under an `scf.if` that skips indices
      outside the bank), preceded by a `linalg.generic` adding the selected
      bias rows. Loops run rows, then the reduction, then output columns, so
      the innermost loop is unit-stride in the bank and the accumulator.

    Whole-layer ops must be expanded (`fff-expand-layers`) or fused
    (`fff-fuse-routing`) first; the pass fails with an error naming any fff
    op it cannot convert.
  }];
  let dependentDialects = ["arith::ArithDialect", "linalg::LinalgDialect",
                           "scf::SCFDialect", "tensor::TensorDialect",
                           "vector::VectorDialect", "math::MathDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "Vector lanes for the routing dot products (0 = scalar)">
  ];
}

#endif // FFF_CONVERSION_PASSES_TD
