// RUN: fff-opt %s --fff-order-constant-globals --split-input-file | FileCheck %s

// The globals of constants are renamed and placed in the order of their first
// use (unused ones last), whatever order and suffixes bufferization gave
// them; other globals stay where they are.

// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<1.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_2xf32_0 : memref<2xf32> = dense<2.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_3xf32 : memref<3xf32> = dense<3.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_2xf32_1 : memref<2xf32> = dense<4.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_5xf32 : memref<5xf32> = dense<5.000000e+00>
// CHECK-NEXT: memref.global "private" @state : memref<2xf32>
// CHECK-LABEL: func.func @first
// CHECK: memref.get_global @__constant_2xf32 :
// CHECK: memref.get_global @__constant_2xf32_0 :
// CHECK: memref.get_global @state
// CHECK-LABEL: func.func @second
// CHECK: memref.get_global @__constant_3xf32 :
// CHECK: memref.get_global @__constant_2xf32_1 :
// CHECK: memref.get_global @__constant_2xf32 :
module {
  memref.global "private" constant @__constant_2xf32_1 : memref<2xf32> = dense<2.0>
  memref.global "private" constant @__constant_3xf32 : memref<3xf32> = dense<3.0>
  memref.global "private" @state : memref<2xf32>
  memref.global "private" constant @__constant_2xf32_0 : memref<2xf32> = dense<4.0>
  memref.global "private" constant @__constant_5xf32_7 : memref<5xf32> = dense<5.0>
  memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<1.0>
  func.func @first() {
    %a = memref.get_global @__constant_2xf32 : memref<2xf32>
    %b = memref.get_global @__constant_2xf32_1 : memref<2xf32>
    %s = memref.get_global @state : memref<2xf32>
    return
  }
  func.func @second() {
    %c = memref.get_global @__constant_3xf32 : memref<3xf32>
    %d = memref.get_global @__constant_2xf32_0 : memref<2xf32>
    %e = memref.get_global @__constant_2xf32 : memref<2xf32>
    return
  }
}

// -----

// Without constants' globals nothing changes.
// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" @state : memref<2xf32>
// CHECK-NEXT: func.func @none
module {
  memref.global "private" @state : memref<2xf32>
  func.func @none() {
    return
  }
}
