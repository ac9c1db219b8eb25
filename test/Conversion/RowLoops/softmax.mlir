// convert-softmax-to-loops: linalg.softmax on buffers becomes a parallel loop
// over its rows, three passes per row (max, exp and sum, divide), in vectors
// where a row has unit stride and one element at a time elsewhere.
// RUN: fff-opt %s --convert-softmax-to-loops=vector-width=16 --split-input-file | FileCheck %s
// RUN: fff-opt %s --convert-softmax-to-loops=vector-width=0 --split-input-file | FileCheck %s --check-prefix=SCALAR
// RUN: not fff-opt %s --convert-softmax-to-loops=vector-width=65 2>&1 | FileCheck %s --check-prefix=WIDTH
// WIDTH: vector-width must be 0-64, got 65

// Rows of unit stride (identity layouts): vector code only. The tail is one
// masked vector, -inf in its lanes off for the max and not counted in the sum.
// CHECK-LABEL: func.func @rows
// CHECK-DAG: %[[N:.*]] = memref.dim %arg0, %c1
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK: scf.forall (%[[I:.*]]) in (%[[ROWS]])
// CHECK:   %[[IN:.*]] = memref.subview %arg0[%[[I]], 0] [1, %[[N]]] [1, 1] : memref<?x?xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK:   %[[OUT:.*]] = memref.subview %arg1[%[[I]], 0] [1, %[[N]]] [1, 1]
// CHECK-NOT: scf.if
// CHECK:   %[[TAIL:.*]] = arith.remui %[[N]], %c16
// CHECK:   %[[FULL:.*]] = arith.subi %[[N]], %[[TAIL]]
// CHECK:   %[[MASK:.*]] = vector.create_mask %[[TAIL]] : vector<16xi1>
// CHECK:   %[[NEGINF:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK:   %[[MAXES:.*]] = scf.for %{{.*}} = %{{.*}} to %[[FULL]] step %c16 iter_args
// CHECK:     vector.load %[[IN]]
// CHECK:     arith.maximumf {{.*}} : vector<16xf32>
// CHECK:   %[[T:.*]] = vector.maskedload %[[IN]][%[[FULL]]], %[[MASK]], %[[NEGINF]]
// CHECK:   %[[M:.*]] = arith.maximumf %[[MAXES]], %[[T]]
// CHECK:   vector.reduction <maximumf>, %[[M]]
// CHECK:   scf.for
// CHECK:     arith.subf
// CHECK:     math.exp {{.*}} : vector<16xf32>
// CHECK:     vector.store {{.*}}, %[[OUT]]
// CHECK:     arith.addf
// CHECK:   vector.maskedload %[[IN]]
// CHECK:   math.exp
// CHECK:   vector.maskedstore %[[OUT]][%[[FULL]]], %[[MASK]]
// CHECK:   arith.select %[[MASK]]
// CHECK:   vector.reduction <add>
// CHECK:   scf.for
// CHECK:     vector.load %[[OUT]]
// CHECK:     arith.divf {{.*}} : vector<16xf32>
// CHECK:     vector.store
// CHECK:   vector.maskedload %[[OUT]]
// CHECK:   arith.divf
// CHECK:   vector.maskedstore %[[OUT]]
// CHECK-NOT: linalg.softmax
// SCALAR-LABEL: func.func @rows
// SCALAR-NOT: vector.
// SCALAR: scf.forall
// SCALAR:   scf.for {{.*}} -> (f32)
// SCALAR:     memref.load
// SCALAR:     arith.maximumf {{.*}} : f32
// SCALAR:   scf.for {{.*}} -> (f32)
// SCALAR:     math.exp {{.*}} : f32
// SCALAR:     memref.store
// SCALAR:   scf.for
// SCALAR:     arith.divf {{.*}} : f32
// SCALAR-NOT: vector.
func.func @rows(%x: memref<?x?xf32>, %y: memref<?x?xf32>) {
  linalg.softmax dimension(1) ins(%x : memref<?x?xf32>) outs(%y : memref<?x?xf32>)
  return
}

// -----

// A strided input: its row stride is checked at run time (the output's is 1
// by its type), and the scalar code takes rows of any other stride.
// CHECK-LABEL: func.func @strided
// CHECK: scf.forall
// CHECK:   %[[IN:.*]] = memref.subview %arg0{{.*}} to memref<?xf32, strided<[?], offset: ?>>
// CHECK:   %{{.*}}, %{{.*}}, %{{.*}}, %[[STRIDE:.*]] = memref.extract_strided_metadata %[[IN]]
// CHECK-NOT: memref.extract_strided_metadata
// CHECK:   %[[UNIT:.*]] = arith.cmpi eq, %[[STRIDE]], %c1
// CHECK:   scf.if %[[UNIT]] {
// CHECK:     memref.cast %[[IN]] : memref<?xf32, strided<[?], offset: ?>> to memref<?xf32, strided<[1], offset: ?>>
// CHECK:     vector.load
// CHECK:   } else {
// CHECK-NOT:  vector.
// CHECK:     memref.load %[[IN]]
// CHECK:   }
func.func @strided(%x: memref<?x?xf32, strided<[?, ?], offset: ?>>, %y: memref<?x?xf32>) {
  linalg.softmax dimension(1) ins(%x : memref<?x?xf32, strided<[?, ?], offset: ?>>) outs(%y : memref<?x?xf32>)
  return
}

// -----

// Over an outer dimension the rows have stride 8, known from the types: one
// element at a time, no vector code. The loop runs over the other two
// dimensions.
// CHECK-LABEL: func.func @outer_dimension
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) in (2, 8)
// CHECK:   memref.subview %arg0[%[[I]], 0, %[[J]]] [1, 4, 1] [1, 1, 1] : memref<2x4x8xf32> to memref<4xf32, strided<[8], offset: ?>>
// CHECK-NOT: vector.
// CHECK:   scf.for
// CHECK:     memref.load
func.func @outer_dimension(%x: memref<2x4x8xf32>, %y: memref<2x4x8xf32>) {
  linalg.softmax dimension(1) ins(%x : memref<2x4x8xf32>) outs(%y : memref<2x4x8xf32>)
  return
}

// -----

// One row: no loop over rows. In place: the input is the output.
// CHECK-LABEL: func.func @one_row_in_place
// CHECK-NOT: scf.forall
// CHECK: vector.maskedload
// CHECK-NOT: linalg.softmax
func.func @one_row_in_place(%x: memref<5xf32>) {
  linalg.softmax dimension(0) ins(%x : memref<5xf32>) outs(%x : memref<5xf32>)
  return
}

// -----

// f64 rows get f64 vectors.
// CHECK-LABEL: func.func @f64
// CHECK: math.exp {{.*}} : vector<16xf64>
func.func @f64(%x: memref<3x20xf64>, %y: memref<3x20xf64>) {
  linalg.softmax dimension(1) ins(%x : memref<3x20xf64>) outs(%y : memref<3x20xf64>)
  return
}

// -----

// On tensors the op is left for bufferization.
// CHECK-LABEL: func.func @tensors
// CHECK: linalg.softmax
func.func @tensors(%x: tensor<4x8xf32>, %e: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
