// fff.bucket and fff.grouped_matmul: round trip (generic form included),
// folds and canonicalizations.
// RUN: fff-opt %s | fff-opt | FileCheck %s --check-prefix=ROUND
// RUN: fff-opt %s -mlir-print-op-generic | fff-opt | FileCheck %s --check-prefix=ROUND
// RUN: fff-opt %s -canonicalize | FileCheck %s --check-prefix=CANON

// ROUND-LABEL: func.func @bucket
// ROUND: %{{.*}}, %{{.*}} = fff.bucket %{{.*}} buckets 8 : tensor<?xi32>
func.func @bucket(%keys: tensor<?xi32>) -> (tensor<?xindex>, tensor<9xindex>) {
  %perm, %offsets = fff.bucket %keys buckets 8 : tensor<?xi32>
  return %perm, %offsets : tensor<?xindex>, tensor<9xindex>
}

// ROUND-LABEL: func.func @dense
// ROUND: fff.grouped_matmul ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<8x16x4xf32>) segments(%{{.*}} : tensor<9xindex>) rows(%{{.*}} : tensor<?xindex>) outs(%{{.*}} : tensor<?x4xf32>)
func.func @dense(%x: tensor<?x16xf32>, %w: tensor<8x16x4xf32>, %offsets: tensor<9xindex>,
                 %perm: tensor<?xindex>, %init: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = fff.grouped_matmul ins(%x, %w : tensor<?x16xf32>, tensor<8x16x4xf32>)
      segments(%offsets : tensor<9xindex>) rows(%perm : tensor<?xindex>)
      outs(%init : tensor<?x4xf32>)
  return %y : tensor<?x4xf32>
}

// ROUND-LABEL: func.func @gathered
// ROUND: fff.grouped_matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<7x5xf32>) segments(%{{.*}} : tensor<5xindex>) gather(%{{.*}} : tensor<4x3xindex>) outs(%{{.*}} : tensor<?x5xf32>)
func.func @gathered(%a: tensor<?x3xf32>, %table: tensor<7x5xf32>, %offsets: tensor<5xindex>,
                    %paths: tensor<4x3xindex>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.grouped_matmul ins(%a, %table : tensor<?x3xf32>, tensor<7x5xf32>)
      segments(%offsets : tensor<5xindex>) gather(%paths : tensor<4x3xindex>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// A constant key vector is sorted at compile time, stably; the key 7 and
// the negative key are outside the 3 buckets and come last.
// CANON-LABEL: func.func @constant_keys
// CANON-DAG: %[[PERM:.*]] = arith.constant dense<[1, 4, 0, 3, 2, 5]> : tensor<6xindex>
// CANON-DAG: %[[OFFS:.*]] = arith.constant dense<[0, 2, 2, 4]> : tensor<4xindex>
// CANON-NOT: fff.bucket
// CANON: return %[[PERM]], %[[OFFS]]
func.func @constant_keys() -> (tensor<6xindex>, tensor<4xindex>) {
  %keys = arith.constant dense<[2, 0, 7, 2, 0, -1]> : tensor<6xi32>
  %perm, %offsets = fff.bucket %keys buckets 3 : tensor<6xi32>
  return %perm, %offsets : tensor<6xindex>, tensor<4xindex>
}

// No segments, no rows, nothing to sum or no columns: the result is init.
// CANON-LABEL: func.func @folds
// CANON-NOT: fff.grouped_matmul
// CANON: return %arg3, %arg4, %arg5
func.func @folds(%x: tensor<?x16xf32>, %w0: tensor<0x16x4xf32>, %off0: tensor<1xindex>,
                 %init: tensor<?x4xf32>, %init2: tensor<0x4xf32>, %init3: tensor<?x4xf32>,
                 %x2: tensor<0x16xf32>, %w: tensor<2x16x4xf32>, %off: tensor<3xindex>,
                 %x3: tensor<?x0xf32>, %w3: tensor<2x0x4xf32>)
    -> (tensor<?x4xf32>, tensor<0x4xf32>, tensor<?x4xf32>) {
  %a = fff.grouped_matmul ins(%x, %w0 : tensor<?x16xf32>, tensor<0x16x4xf32>)
      segments(%off0 : tensor<1xindex>) outs(%init : tensor<?x4xf32>)
  %b = fff.grouped_matmul ins(%x2, %w : tensor<0x16xf32>, tensor<2x16x4xf32>)
      segments(%off : tensor<3xindex>) outs(%init2 : tensor<0x4xf32>)
  %c = fff.grouped_matmul ins(%x3, %w3 : tensor<?x0xf32>, tensor<2x0x4xf32>)
      segments(%off : tensor<3xindex>) outs(%init3 : tensor<?x4xf32>)
  return %a, %b, %c : tensor<?x4xf32>, tensor<0x4xf32>, tensor<?x4xf32>
}

// A grouped matmul with segments stays.
// CANON-LABEL: func.func @stays
// CANON: fff.grouped_matmul
func.func @stays(%x: tensor<?x16xf32>, %w: tensor<2x16x4xf32>, %off: tensor<3xindex>,
                 %init: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = fff.grouped_matmul ins(%x, %w : tensor<?x16xf32>, tensor<2x16x4xf32>)
      segments(%off : tensor<3xindex>) outs(%init : tensor<?x4xf32>)
  return %y : tensor<?x4xf32>
}
