// fff-check-allocation-sizes: before each dynamically sized memref.alloc,
// its byte size is recomputed with overflow checks; a negative size or a
// product past 2^63 - 1 makes the verdict passed to fffHostCheckSize 1, and
// the runtime then ends the call with FFF_ERROR_SIZE (execution: test/Integration/CPU/c-abi-contract.test).
// RUN: fff-opt %s --split-input-file --fff-check-allocation-sizes --verify-diagnostics | FileCheck %s

// 3 floats per (n, m): 12 bytes, times n, times m.
// CHECK-LABEL: func.func @rows(
// CHECK-SAME:      %[[N:.*]]: index, %[[M:.*]]: index)
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[SIGN:.*]] = arith.constant 63 : i64
// CHECK-DAG:     %[[BYTES:.*]] = arith.constant 12 : i64
// CHECK:         %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK-NEXT:    %[[NNEG:.*]] = arith.cmpi slt, %[[N64]], %[[ZERO]]
// CHECK-NEXT:    %[[LO:.*]], %[[HI:.*]] = arith.mulsi_extended %[[BYTES]], %[[N64]]
// CHECK-NEXT:    %[[EXT:.*]] = arith.shrsi %[[LO]], %[[SIGN]]
// CHECK-NEXT:    %[[WRAP:.*]] = arith.cmpi ne, %[[HI]], %[[EXT]]
// CHECK:         %[[M64:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK:         arith.mulsi_extended %[[LO]], %[[M64]]
// CHECK:         arith.ori
// CHECK-NEXT:    %[[BAD:.*]] = arith.ori
// CHECK-NEXT:    %[[VERDICT:.*]] = arith.extui %[[BAD]] : i1 to i32
// CHECK-NEXT:    call @fffHostCheckSize(%[[VERDICT]]) : (i32) -> ()
// CHECK-NEXT:    memref.alloc(%[[N]], %[[M]]) : memref<?x?x3xf32>
// A static allocation needs no guard.
// CHECK-NEXT:    memref.alloc() : memref<4x4xf32>
// CHECK:       func.func private @fffHostCheckSize(i32)
func.func @rows(%n: index, %m: index) -> (memref<?x?x3xf32>, memref<4x4xf32>) {
  %a = memref.alloc(%n, %m) : memref<?x?x3xf32>
  %b = memref.alloc() : memref<4x4xf32>
  return %a, %b : memref<?x?x3xf32>, memref<4x4xf32>
}

// -----

// The element size comes from the data layout: index is 8 bytes.
// CHECK-LABEL: func.func @indices(
// CHECK:         arith.constant 8 : i64
// CHECK:         call @fffHostCheckSize(
func.func @indices(%n: index) -> memref<?xindex> {
  %a = memref.alloc(%n) : memref<?xindex>
  return %a : memref<?xindex>
}

// -----

// Without dynamic allocations nothing is declared.
// CHECK-LABEL: func.func @none(
// CHECK-NOT:     fffHostCheckSize
func.func @none() -> memref<2xf32> {
  %a = memref.alloc() : memref<2xf32>
  return %a : memref<2xf32>
}

// -----

// Static sizes that overflow alone are an error at compile time.
func.func @huge(%n: index) -> memref<?x4611686018427387904x2xf32> {
  // expected-error @below {{allocation of 'memref<?x4611686018427387904x2xf32>' needs 2^63 bytes or more}}
  %a = memref.alloc(%n) : memref<?x4611686018427387904x2xf32>
  return %a : memref<?x4611686018427387904x2xf32>
}
