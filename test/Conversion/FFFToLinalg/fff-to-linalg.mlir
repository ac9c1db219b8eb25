// RUN: fff-opt %s --convert-fff-to-linalg --canonicalize --cse --split-input-file | FileCheck %s
// RUN: fff-opt %s --convert-fff-to-linalg="vector-width=4" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=VEC
// RUN: fff-opt %s --convert-fff-to-linalg --split-input-file | not grep "fff\."

// fff.route: a linalg.generic over rows whose body walks the tree; the leaf
// index is written to the (materialized) index tensor.

// CHECK-DAG:   #[[ROWS:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @route
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x4xf32>, %[[W:[^:]*]]: tensor<3x4xf32>, %[[B:[^:]*]]: tensor<3xf32>, %[[INIT:[^:]*]]: tensor<?xi32>)
// CHECK:         linalg.generic {indexing_maps = [#[[ROWS]]], iterator_types = ["parallel"]} outs(%[[INIT]] : tensor<?xi32>)
// CHECK:           %[[ROW:.*]] = linalg.index 0 : index
// CHECK:           %[[NODE:.*]] = scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%[[N:.*]] = %c0) -> (index)
// CHECK:             tensor.extract %[[B]][%[[N]]]
// CHECK:             tensor.extract %[[X]][%[[ROW]], %{{.*}}]
// CHECK:             tensor.extract %[[W]][%[[N]], %{{.*}}]
// CHECK:             arith.cmpf ogt
// CHECK:           %[[LEAF:.*]] = arith.subi %[[NODE]], %c3 : index
// CHECK:           %[[I32:.*]] = arith.index_cast %[[LEAF]] : index to i32
// CHECK:           linalg.yield %[[I32]] : i32

// VEC-LABEL: func.func @route
// VEC:         vector.transfer_read %{{.*}} : tensor<?x4xf32>, vector<4xf32>
// VEC:         %[[ACC:.*]] = vector.fma
// VEC:         vector.extract_strided_slice %[[ACC]] {offsets = [0], sizes = [2], strides = [1]}
// VEC:         vector.extract_strided_slice %[[ACC]] {offsets = [2], sizes = [2], strides = [1]}
// VEC:         arith.addf %{{.*}}, %{{.*}} : vector<2xf32>
func.func @route(%x: tensor<?x4xf32>, %w: tensor<3x4xf32>, %b: tensor<3xf32>,
                 %init: tensor<?xi32>) -> tensor<?xi32> {
  %r = fff.route depth 2 tie gt ins(%x, %w, %b : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>)
                 outs(%init : tensor<?xi32>)
  return %r : tensor<?xi32>
}

// -----

// fff.cmm with bias: one generic adds the selected bias rows, a second one
// gathers from the bank. Indices are signed; compared unsigned, negative ones
// and anything >= E are skipped under scf.if, so the bank is never read out of bounds. Loops run
// (rows, reduction, columns): the innermost is unit-stride in the bank.

// CHECK-DAG:   #[[IDX2:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[OUT2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[LHS3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[IDX3:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG:   #[[OUT3:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @cmm
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x4xf32>, %[[BANK:[^:]*]]: tensor<8x4x3xf32>, %[[IDX:[^:]*]]: tensor<?xi32>, %[[BIAS:[^:]*]]: tensor<8x3xf32>, %[[ACC:[^:]*]]: tensor<?x3xf32>)
// CHECK:         %[[WITHBIAS:.*]] = linalg.generic {indexing_maps = [#[[IDX2]], #[[OUT2]]], iterator_types = ["parallel", "parallel"]} ins(%[[IDX]] : tensor<?xi32>) outs(%[[ACC]] : tensor<?x3xf32>)
// CHECK:           %[[I:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK:           %[[OK:.*]] = arith.cmpi ult, %[[I]], %c8 : index
// CHECK:           scf.if %[[OK]] -> (f32)
// CHECK:             tensor.extract %[[BIAS]][%[[I]], %{{.*}}]
// CHECK:         linalg.generic {indexing_maps = [#[[LHS3]], #[[IDX3]], #[[OUT3]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]], %[[IDX]] : tensor<?x4xf32>, tensor<?xi32>) outs(%[[WITHBIAS]] : tensor<?x3xf32>)
// CHECK:           %[[J:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK:           %[[K:.*]] = linalg.index 1 : index
// CHECK:           %[[M:.*]] = linalg.index 2 : index
// CHECK:           arith.cmpi ult, %[[J]], %c8 : index
// CHECK:           scf.if
// CHECK:             tensor.extract %[[BANK]][%[[J]], %[[K]], %[[M]]]
// CHECK:             arith.mulf
func.func @cmm(%x: tensor<?x4xf32>, %bank: tensor<8x4x3xf32>, %idx: tensor<?xi32>,
               %bias: tensor<8x3xf32>, %acc: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = fff.cmm ins(%x, %bank, %idx : tensor<?x4xf32>, tensor<8x4x3xf32>, tensor<?xi32>)
               bias(%bias : tensor<8x3xf32>) outs(%acc : tensor<?x3xf32>)
  return %r : tensor<?x3xf32>
}

// -----

// Several indices per row: the index slots are a second reduction dimension.

// CHECK-DAG:   #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[IDX:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG:   #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-LABEL: func.func @cmm_multi
// CHECK:         linalg.generic {indexing_maps = [#[[LHS]], #[[IDX]], #[[OUT]]], iterator_types = ["parallel", "reduction", "reduction", "parallel"]}
// CHECK:           arith.index_cast %{{.*}} : i64 to index
// CHECK:           arith.cmpi ult, %{{.*}}, %c14 : index
func.func @cmm_multi(%x: tensor<?x6x1xf32>, %bank: tensor<14x1x5xf32>, %idx: tensor<?x6xi64>,
                     %acc: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %r = fff.cmm ins(%x, %bank, %idx : tensor<?x6x1xf32>, tensor<14x1x5xf32>, tensor<?x6xi64>)
               outs(%acc : tensor<?x5xf32>)
  return %r : tensor<?x5xf32>
}

// -----

// fff.route_path: a row writes T*(depth+1) entries of both results, so it is
// an scf.forall over rows; per tree, the walk inserts each visited node's
// global row (base + n) and its logit at column t*(depth+1) + level.

// CHECK-LABEL: func.func @route_path
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x4xf32>, %[[W:[^:]*]]: tensor<14x4xf32>, %[[B:[^:]*]]: tensor<14xf32>, %[[N0:[^:]*]]: tensor<?x6xindex>, %[[L0:[^:]*]]: tensor<?x6xf32>)
// CHECK:         scf.forall (%[[ROW:.*]]) in (%{{.*}}) shared_outs(%[[NS:.*]] = %[[N0]], %[[LS:.*]] = %[[L0]])
// CHECK:           scf.for %[[T:.*]] = %c0 to %c2 step %c1
// CHECK:             %[[BASE:.*]] = arith.muli %[[T]], %c7
// CHECK:             %[[FIRST:.*]] = arith.muli %[[T]], %c3
// CHECK:             scf.for %[[LEVEL:.*]] = %c0 to %c3 step %c1 iter_args(%[[N:.*]] = %c0, %[[NR:.*]] = %{{.*}}, %[[LR:.*]] = %{{.*}})
// CHECK:               %[[G:.*]] = arith.addi %[[BASE]], %[[N]]
// CHECK:               %[[Z:.*]] = scf.for
// CHECK:               arith.cmpf oge, %[[Z]]
// CHECK:               %[[COL:.*]] = arith.addi %[[FIRST]], %[[LEVEL]]
// CHECK:               tensor.insert %[[G]] into %[[NR]][%c0, %[[COL]]] : tensor<1x6xindex>
// CHECK:               tensor.insert %[[Z]] into %[[LR]][%c0, %[[COL]]] : tensor<1x6xf32>
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice %{{.*}} into %[[NS]][%[[ROW]], 0] [1, 6] [1, 1]
// CHECK:             tensor.parallel_insert_slice %{{.*}} into %[[LS]][%[[ROW]], 0] [1, 6] [1, 1]
func.func @route_path(%x: tensor<?x4xf32>, %w: tensor<14x4xf32>, %b: tensor<14xf32>,
                      %n: tensor<?x6xindex>, %l: tensor<?x6xf32>) -> (tensor<?x6xindex>, tensor<?x6xf32>) {
  %nodes, %logits = fff.route_path trees 2 depth 2 tie ge
      ins(%x, %w, %b : tensor<?x4xf32>, tensor<14x4xf32>, tensor<14xf32>)
      outs(%n, %l : tensor<?x6xindex>, tensor<?x6xf32>)
  return %nodes, %logits : tensor<?x6xindex>, tensor<?x6xf32>
}

// -----

// A negative index selects nothing: sign-extended, it compares (unsigned)
// above the bank size.

// CHECK-LABEL: func.func @cmm_i8
// CHECK:         arith.index_cast %{{.*}} : i8 to index
// CHECK:         arith.cmpi ult, %{{.*}}, %c4 : index
func.func @cmm_i8(%x: tensor<?x2xf32>, %bank: tensor<4x2x3xf32>, %idx: tensor<?xi8>,
                  %acc: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = fff.cmm ins(%x, %bank, %idx : tensor<?x2xf32>, tensor<4x2x3xf32>, tensor<?xi8>)
               outs(%acc : tensor<?x3xf32>)
  return %r : tensor<?x3xf32>
}
