// convert-fff-to-linalg on the batch ops: fff.bucket's counting sort and
// fff.grouped_matmul's register-blocked micro-kernels.
// RUN: fff-opt %s --convert-fff-to-linalg="vector-width=16 row-block=4" -canonicalize -cse | FileCheck %s
// RUN: fff-opt %s --convert-fff-to-linalg="vector-width=0 row-block=1" -canonicalize -cse | FileCheck %s --check-prefix=SCALAR

// Count, prefix-sum, place: the table has a slot for keys outside the
// buckets (8 + 2 entries), compared unsigned after sign extension.
// CHECK-LABEL: func.func @bucket
// CHECK: tensor.empty() : tensor<10xindex>
// CHECK: arith.index_cast %{{.*}} : i32 to index
// CHECK: arith.cmpi ult, %{{.*}}, %c8
// CHECK: arith.select
// CHECK: scf.for %{{.*}} = %c0 to %c8
// CHECK: scf.for {{.*}} -> (tensor<10xindex>, tensor<?xindex>)
// CHECK: tensor.extract_slice %{{.*}}[0] [9] [1] : tensor<10xindex> to tensor<9xindex>
func.func @bucket(%keys: tensor<?xi32>) -> (tensor<?xindex>, tensor<9xindex>) {
  %perm, %offsets = fff.bucket %keys buckets 8 : tensor<?xi32>
  return %perm, %offsets : tensor<?xindex>, tensor<9xindex>
}

// N > 1: per segment, blocks of 4 rows (all inside the batch, else one at a
// time, each guarded), their accumulators in registers over K; one load of
// the weight chunk feeds the 4 rows' broadcast FMAs.
// CHECK-LABEL: func.func @dense
// CHECK: scf.for %[[G:.*]] = %c0 to %c8 step %c1
// CHECK:   arith.minui
// CHECK:   scf.for %{{.*}} step %c4
// CHECK:     arith.cmpi ult
// CHECK:     scf.if
// CHECK-COUNT-4: vector.transfer_read %{{.*}} : tensor<?x4xf32>, vector<4xf32>
// CHECK:       scf.for %[[K:.*]] = %c0 to %c16 step %c1 iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK-NEXT:    vector.transfer_read %arg1[%[[G]], %[[K]], %c0]
// CHECK-NOT:     vector.transfer_read
// CHECK:         vector.broadcast
// CHECK-NEXT:    vector.fma
// CHECK-COUNT-4: vector.transfer_write
// CHECK:     } else {
// CHECK:       scf.if
// SCALAR-LABEL: func.func @dense
// SCALAR-NOT: vector.
// SCALAR: scf.if
// SCALAR: arith.mulf
func.func @dense(%x: tensor<?x16xf32>, %w: tensor<8x16x4xf32>, %offsets: tensor<9xindex>,
                 %perm: tensor<?xindex>, %init: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = fff.grouped_matmul ins(%x, %w : tensor<?x16xf32>, tensor<8x16x4xf32>)
      segments(%offsets : tensor<9xindex>) rows(%perm : tensor<?xindex>)
      outs(%init : tensor<?x4xf32>)
  return %y : tensor<?x4xf32>
}

// N = 1: dot products of the rows with the segment's weight row (the rhs
// collapsed to G x K), the weight chunk read once per step for all rows.
// CHECK-LABEL: func.func @logits
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<4x32x1xf32> into tensor<4x32xf32>
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-1: vector.transfer_read %collapsed
// CHECK-NOT: vector.transfer_read %collapsed
// CHECK: vector.extract_strided_slice %{{.*}} {offsets = [8], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
func.func @logits(%x: tensor<?x32xf32>, %w: tensor<4x32x1xf32>, %offsets: tensor<5xindex>,
                  %perm: tensor<?xindex>, %init: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %y = fff.grouped_matmul ins(%x, %w : tensor<?x32xf32>, tensor<4x32x1xf32>)
      segments(%offsets : tensor<5xindex>) rows(%perm : tensor<?xindex>)
      outs(%init : tensor<?x1xf32>)
  return %y : tensor<?x1xf32>
}

// Gathered: W_g's row k is the table row rhs_rows[g, k], clamped to the
// table; without rows, the segments are contiguous row ranges.
// CHECK-LABEL: func.func @gathered
// CHECK: %[[ROW:.*]] = tensor.extract %arg3[%{{.*}}, %{{.*}}] : tensor<4x3xindex>
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[ROW]], %c6
// CHECK: vector.transfer_read %arg1[%[[CLAMPED]], %{{.*}}]
func.func @gathered(%a: tensor<?x3xf32>, %table: tensor<7x40xf32>, %offsets: tensor<5xindex>,
                    %paths: tensor<4x3xindex>, %init: tensor<?x40xf32>) -> tensor<?x40xf32> {
  %y = fff.grouped_matmul ins(%a, %table : tensor<?x3xf32>, tensor<7x40xf32>)
      segments(%offsets : tensor<5xindex>) gather(%paths : tensor<4x3xindex>)
      outs(%init : tensor<?x40xf32>)
  return %y : tensor<?x40xf32>
}
