// convert-row-reductions-to-loops: a linalg.generic reducing its last loop
// along unit-stride rows becomes a parallel loop over the rows, each row
// reduced in vectors (W partial results, a masked tail counted as the
// identity, then vector.reduction), the result combined with the output's.
// RUN: fff-opt %s --convert-row-reductions-to-loops=vector-width=8 --split-input-file | FileCheck %s
// RUN: fff-opt %s --convert-row-reductions-to-loops=vector-width=1 --split-input-file | FileCheck %s --check-prefix=OFF
// RUN: not fff-opt %s --convert-row-reductions-to-loops=vector-width=-1 --split-input-file 2>&1 | FileCheck %s --check-prefix=BADWIDTH
// BADWIDTH: vector-width must be 0-64, got -1
// OFF-NOT: scf.forall

#x = affine_map<(i, j) -> (i, j)>
#r = affine_map<(i, j) -> (i)>

// CHECK-LABEL: func.func @sum
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK-DAG: %[[N:.*]] = memref.dim %arg0, %c1
// CHECK: scf.forall (%[[I:.*]]) in (%[[ROWS]])
// CHECK:   %[[ROW:.*]] = memref.subview %arg0[%[[I]], 0] [1, %[[N]]] [1, 1] : memref<?x?xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK:   %[[ZEROS:.*]] = vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK:   %[[TAIL:.*]] = arith.remui %[[N]], %c8
// CHECK:   %[[FULL:.*]] = arith.subi %[[N]], %[[TAIL]]
// CHECK:   %[[MASK:.*]] = vector.create_mask %[[TAIL]] : vector<8xi1>
// CHECK:   %[[PARTS:.*]] = scf.for %{{.*}} = %{{.*}} to %[[FULL]] step %c8 iter_args(%[[ACC:.*]] = %[[ZEROS]]) -> (vector<8xf32>)
// CHECK:     %[[V:.*]] = vector.load %[[ROW]]
// CHECK:     arith.addf %[[ACC]], %[[V]] : vector<8xf32>
// CHECK:   %[[T:.*]] = vector.maskedload %[[ROW]][%[[FULL]]], %[[MASK]]
// CHECK:   %[[TERMS:.*]] = arith.select %[[MASK]], %[[T]], %[[ZEROS]]
// CHECK:   %[[ALL:.*]] = arith.addf %[[PARTS]], %[[TERMS]]
// CHECK:   %[[R:.*]] = vector.reduction <add>, %[[ALL]] : vector<8xf32> into f32
// CHECK:   %[[OLD:.*]] = memref.load %arg1[%[[I]]]
// CHECK:   %[[NEW:.*]] = arith.addf %[[OLD]], %[[R]] : f32
// CHECK:   memref.store %[[NEW]], %arg1[%[[I]]]
// CHECK-NOT: linalg.generic
func.func @sum(%x: memref<?x?xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%s : memref<?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.addf %a, %o : f32
      linalg.yield %t : f32
  }
  return
}

// -----

// A layer norm's variance: the row's mean is one value per row (loaded and
// broadcast), the width a constant from outside the body (broadcast). The
// rows are the last dimension of a 3-D buffer; the loop runs over the first
// two.
#x3 = affine_map<(i, j, k) -> (i, j, k)>
#r3 = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @variance
// CHECK-SAME: %[[X:[^:]*]]: memref<?x?x768xf32>, %[[SUM:[^:]*]]: memref<?x?xf32>, %[[SQ:[^:]*]]: memref<?x?xf32>
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) in
// CHECK:   memref.subview %[[X]][%[[I]], %[[J]], 0] [1, 1, 768] [1, 1, 1] : memref<?x?x768xf32> to memref<768xf32, strided<[1], offset: ?>>
// CHECK:   %[[S:.*]] = memref.load %[[SUM]][%[[I]], %[[J]]]
// CHECK:   %[[SS:.*]] = vector.broadcast %[[S]] : f32 to vector<8xf32>
// CHECK:   %[[COLS:.*]] = vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK:   scf.for
// CHECK:     %[[V:.*]] = vector.load
// CHECK:     %[[MEAN:.*]] = arith.divf %[[SS]], %[[COLS]] : vector<8xf32>
// CHECK:     %[[D:.*]] = arith.subf %[[V]], %[[MEAN]] : vector<8xf32>
// CHECK:     %[[D2:.*]] = arith.mulf %[[D]], %[[D]] : vector<8xf32>
// CHECK:     arith.addf %{{.*}}, %[[D2]] : vector<8xf32>
// CHECK:   vector.reduction <add>
// CHECK:   memref.store {{.*}}, %[[SQ]][%[[I]], %[[J]]]
func.func @variance(%x: memref<?x?x768xf32>, %sum: memref<?x?xf32>, %sq: memref<?x?xf32>) {
  %n = arith.constant 768.0 : f32
  linalg.generic {indexing_maps = [#x3, #r3, #r3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %sum : memref<?x?x768xf32>, memref<?x?xf32>) outs(%sq : memref<?x?xf32>) {
    ^bb0(%a: f32, %s: f32, %o: f32):
      %mean = arith.divf %s, %n : f32
      %d = arith.subf %a, %mean : f32
      %t = arith.mulf %d, %d : f32
      %r = arith.addf %t, %o : f32
      linalg.yield %r : f32
  }
  return
}

// -----

// A max: -inf for the tail's lanes off.
#x = affine_map<(i, j) -> (i, j)>
#r = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @max
// CHECK: %[[NEGINF:.*]] = vector.broadcast %cst : f32 to vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[NEGINF]]
// CHECK: vector.reduction <maximumf>
// CHECK: arith.maximumf {{.*}} : f32
func.func @max(%x: memref<4x20xf32>, %m: memref<4xf32>) {
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x20xf32>) outs(%m : memref<4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.maximumf %o, %a : f32
      linalg.yield %t : f32
  }
  return
}

// -----

// A mean: the constant in the body is broadcast once, before the row loop.
#x = affine_map<(i, j) -> (i, j)>
#r = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @mean
// CHECK: scf.forall
// CHECK:   %[[K:.*]] = arith.constant 1.250000e-01 : f32
// CHECK:   %[[KS:.*]] = vector.broadcast %[[K]] : f32 to vector<8xf32>
// CHECK:   scf.for
// CHECK-NOT: arith.constant
// CHECK:     arith.mulf %{{.*}}, %[[KS]] : vector<8xf32>
func.func @mean(%x: memref<3x8xf32>, %m: memref<3xf32>) {
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<3x8xf32>) outs(%m : memref<3xf32>) {
    ^bb0(%a: f32, %o: f32):
      %k = arith.constant 0.125 : f32
      %s = arith.mulf %a, %k : f32
      %t = arith.addf %o, %s : f32
      linalg.yield %t : f32
  }
  return
}

// -----

// Left alone: a reduction over the outer dimension, a strided row, an index
// in the body, a body that does not end in a combiner of the output.
#x = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
#r = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.forall
// CHECK-COUNT-4: linalg.generic
func.func @left_alone(%x: memref<?x?xf32>, %strided: memref<?x?xf32, strided<[?, ?], offset: ?>>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [#t, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%s : memref<?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.addf %a, %o : f32
      linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%strided : memref<?x?xf32, strided<[?, ?], offset: ?>>) outs(%s : memref<?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.addf %a, %o : f32
      linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%s : memref<?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %j = linalg.index 1 : index
      %ji = arith.index_cast %j : index to i32
      %jf = arith.sitofp %ji : i32 to f32
      %p = arith.mulf %a, %jf : f32
      %t = arith.addf %p, %o : f32
      linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%s : memref<?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.addf %a, %o : f32
      %u = arith.mulf %t, %o : f32
      linalg.yield %u : f32
  }
  return
}

// -----

// Also left alone: a row of i1 (a vector of i1 would be loaded packed), an
// output that is also an input, an output that leaves out a parallel loop
// (rows in parallel would update one element), a combiner whose result has
// another use.
#x = affine_map<(i, j) -> (i, j)>
#r = affine_map<(i, j) -> (i)>
#x3 = affine_map<(i, j, k) -> (i, j, k)>
#r3 = affine_map<(i, j, k) -> (i)>
// CHECK-LABEL: func.func @also_left_alone
// CHECK-NOT: scf.forall
// CHECK-COUNT-4: linalg.generic
func.func @also_left_alone(%x: memref<4x16xf32>, %m: memref<4x16xi1>, %s: memref<4xf32>, %y: memref<4x3x16xf32>) {
  linalg.generic {indexing_maps = [#x, #x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x, %m : memref<4x16xf32>, memref<4x16xi1>) outs(%s : memref<4xf32>) {
    ^bb0(%a: f32, %b: i1, %o: f32):
      %f = arith.uitofp %b : i1 to f32
      %p = arith.mulf %a, %f : f32
      %t = arith.addf %p, %o : f32
      linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#x, #r, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x, %s : memref<4x16xf32>, memref<4xf32>) outs(%s : memref<4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %p = arith.mulf %a, %b : f32
      %t = arith.addf %p, %o : f32
      linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#x3, #r3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%y : memref<4x3x16xf32>) outs(%s : memref<4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.addf %a, %o : f32
      linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x16xf32>) outs(%s : memref<4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = arith.addf %a, %o : f32
      %unused = arith.mulf %t, %t : f32
      linalg.yield %t : f32
  }
  return
}
