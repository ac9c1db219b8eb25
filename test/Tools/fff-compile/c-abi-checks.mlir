// Argument attributes that make the entry point check more than shapes
// (CInterface.h): token ids against their table (fff.index_bound), sizes
// shared between arguments (fff.same_sizes) and upper size bounds
// (fff.max_sizes). The importer writes them (python/fff_mlir/torch_import.py);
// execution: python/tests/test_torch_import.py and test_encoder.py.
// RUN: fff-compile %s --emit=header | FileCheck %s --check-prefix=HEADER
// RUN: fff-compile %s --emit=description | FileCheck %s --check-prefix=JSON
// RUN: fff-compile %s --emit=mlir | FileCheck %s --check-prefix=MLIR

// HEADER:        FFF_ERROR_INDEX_OUT_OF_RANGE = 5
// HEADER-LABEL: /* @embed
// HEADER-NEXT:  *   ids: int64_t[ids_dim0][ids_dim1], each in [0, 5)
// HEADER-NEXT:  *   mask: float[mask_dim0][mask_dim1]
// HEADER-NEXT:  *   result (result): float[ids_dim0][ids_dim1][3]
// HEADER-NEXT:  *   requires ids_dim1 <= 4 (a size bounded by the model)
// HEADER-NEXT:  *   requires mask_dim0 == ids_dim0 (argument sizes of one name must be equal)
// HEADER-NEXT:  *   requires mask_dim1 == ids_dim1 (argument sizes of one name must be equal)
// HEADER-NEXT:  */
// JSON: {"abi_version":3,"entry_points":[{"args":[{"array":true,"dtype":"i64","index_bound":5,"name":"ids",{{.*}}"checks":[{"lhs":[0,1],"message":"a size bounded by the model","op":"<=","rhs":4},{"lhs":[1,0],{{.*}}"op":"==","rhs":[0,0]},{"lhs":[1,1],{{.*}}"op":"==","rhs":[0,1]}]

// The bounds join the shape rules (FFF_ERROR_SHAPE_MISMATCH); then one loop
// reads every id before the model runs and leaves with status 5 at the
// first outside [0, 5), compared unsigned so that negative ids fail too.
// MLIR:       llvm.func internal @fff_embed.body(
// MLIR:         llvm.call @embed(
// MLIR-LABEL: llvm.func @fff_embed(
// MLIR:         llvm.icmp "sgt"
// MLIR:         llvm.cond_br %{{.*}}, ^[[EXIT:bb[0-9]+]](%{{.*}} : i32), ^[[GO:bb[0-9]+]]
// MLIR:       ^[[GO]]:
// MLIR:         llvm.br ^[[HEAD:bb[0-9]+]](%{{.*}} : i64)
// MLIR:       ^[[HEAD]](%[[I:.*]]: i64):
// MLIR:         llvm.icmp "slt" %[[I]]
// MLIR:         llvm.cond_br %{{.*}}, ^[[BODY:bb[0-9]+]], ^[[CALL:bb[0-9]+]]
// MLIR:       ^[[BODY]]:
// MLIR:         %[[ID:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// MLIR:         %[[BAD:.*]] = llvm.icmp "uge" %[[ID]], %{{.*}} : i64
// MLIR:         llvm.cond_br %[[BAD]], ^[[EXIT]](%{{.*}} : i32), ^[[HEAD]](%{{.*}} : i64)
// MLIR:       ^[[CALL]]:
// MLIR:         llvm.call @fffHostRun(
// MLIR:       ^[[EXIT]](%{{.*}}: i32):
#id = affine_map<(i, j, k) -> (i, j)>
#out = affine_map<(i, j, k) -> (i, j, k)>
func.func @embed(%ids: tensor<?x?xi64> {fff.name = "ids", fff.index_bound = 5 : i64,
                                        fff.max_sizes = array<i64: -1, 4>},
                 %mask: tensor<?x?xf32> {fff.name = "mask", fff.same_sizes = [[0, 0, 0], [1, 0, 1]]})
    -> tensor<?x?x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %ids, %c0 : tensor<?x?xi64>
  %s = tensor.dim %ids, %c1 : tensor<?x?xi64>
  %table = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0],
                                 [9.0, 10.0, 11.0], [12.0, 13.0, 14.0]]> : tensor<5x3xf32>
  %init = tensor.empty(%b, %s) : tensor<?x?x3xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #out],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ids, %mask : tensor<?x?xi64>, tensor<?x?xf32>) outs(%init : tensor<?x?x3xf32>) {
  ^bb0(%id: i64, %m: f32, %o: f32):
    %i = arith.index_cast %id : i64 to index
    %j = linalg.index 2 : index
    %e = tensor.extract %table[%i, %j] : tensor<5x3xf32>
    %r = arith.mulf %e, %m : f32
    linalg.yield %r : f32
  } -> tensor<?x?x3xf32>
  return %y : tensor<?x?x3xf32>
}
