// fff-generate-c-entry-points: the C entry point of each lowered function
// that fff.c_abi describes (fff-describe-c-abi), in the LLVM dialect.
// RUN: fff-opt %s --split-input-file --fff-generate-c-entry-points --verify-diagnostics | FileCheck %s

// f(x: [B][S][4]) -> [B*S][4]: the result's rows are the product of two size
// parameters, computed before the checks and passed in its descriptor. The
// byte sizes of x (4*B*S*4) and of the result, and the product itself, are
// overflow-checked; an overflow is status 6 (FFF_ERROR_SIZE), below a
// negative size (2) and above the shape rules and NULL pointers.
// CHECK-LABEL: llvm.func internal @f(
// CHECK-NOT:     fff.c_abi
// CHECK:       llvm.func @fff_f(%[[X:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[S:.*]]: i64, %[[OUT:.*]]: !llvm.ptr) -> i32
// CHECK-SAME:    fff.c_abi = {args = [{name = "x"
// CHECK:         llvm.icmp "slt" %[[B]]
// CHECK:         llvm.icmp "slt" %[[S]]
// CHECK:         "llvm.intr.smul.with.overflow"(%{{.*}}, %[[B]])
// CHECK:         %[[PAIR:.*]] = "llvm.intr.smul.with.overflow"(%[[B]], %[[S]])
// CHECK-NEXT:    %[[ROWS:.*]] = llvm.extractvalue %[[PAIR]][0]
// CHECK-NEXT:    %[[WRAPS:.*]] = llvm.extractvalue %[[PAIR]][1]
// CHECK-NEXT:    llvm.or %{{.*}}, %[[WRAPS]] : i1
// CHECK:         %[[SIZE:.*]] = llvm.mlir.constant(6 : i32)
// CHECK-NEXT:    llvm.select %{{.*}}, %[[SIZE]], %{{.*}} : i1, i32
// CHECK-NEXT:    %[[NEGATIVE:.*]] = llvm.mlir.constant(2 : i32)
// CHECK-NEXT:    llvm.select %{{.*}}, %[[NEGATIVE]], %{{.*}} : i1, i32
// CHECK:         llvm.cond_br %{{.*}}, ^[[EXIT:.*]](%{{.*}} : i32), ^[[GO:.*]]
// CHECK:       ^[[GO]]:
// CHECK:         llvm.call @f(%[[X]], %[[X]], %{{.*}}, %[[B]], %[[S]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]], %[[OUT]], %{{.*}}, %[[ROWS]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK:       ^[[EXIT]](%[[STATUS:.*]]: i32):
// CHECK-NEXT:    llvm.return %[[STATUS]] : i32
llvm.func @f(%xa: !llvm.ptr, %xb: !llvm.ptr, %xo: i64, %x0: i64, %x1: i64, %x2: i64,
             %xs0: i64, %xs1: i64, %xs2: i64,
             %ya: !llvm.ptr, %yb: !llvm.ptr, %yo: i64, %y0: i64, %y1: i64, %ys0: i64, %ys1: i64)
    attributes {fff.c_abi = {args = [{name = "x", type = tensor<?x?x4xf32>}], checks = [], function = "f",
                results = [{name = "y", sizes = affine_map<()[s0, s1] -> (s0 * s1, 4)>, type = tensor<?x4xf32>}],
                symbol = "fff_f"}} {
  llvm.return
}

// -----

// expected-error @below {{malformed fff.c_abi: needs the strings 'function' and 'symbol' and the arrays 'args', 'results' and 'checks'}}
llvm.func @g() attributes {fff.c_abi = {function = "g"}} {
  llvm.return
}

// -----

// expected-error @below {{malformed fff.c_abi: 'sizes' must be an affine map of no dimensions, 1 symbols and 1 results}}
llvm.func @h(%a: !llvm.ptr) attributes {fff.c_abi = {args = [{name = "a", type = tensor<?xf32>}], checks = [], function = "h",
    results = [{name = "r", sizes = affine_map<()[s0, s1] -> (s1)>, type = tensor<?xf32>}], symbol = "fff_h"}} {
  llvm.return
}

// -----

// The lowered function must take the out-parameter form.
// expected-error @below {{lowered signature '!llvm.func<void (ptr)>' is not the out-parameter form the C entry point expects (5 parameters, no results)}}
llvm.func @k(%a: !llvm.ptr) attributes {fff.c_abi = {args = [{name = "a", type = tensor<?xf32>}], checks = [], function = "k",
    results = [], symbol = "fff_k"}} {
  llvm.return
}
