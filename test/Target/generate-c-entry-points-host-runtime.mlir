// fff-generate-c-entry-points host-runtime=true: the call runs under the
// host runtime's fffHostRun (HostRuntime.h), which returns the status of a
// failed allocation. The operands travel in a struct on the entry block's
// stack; `<symbol>.body` reads them back and calls the lowered function.
// RUN: fff-opt %s --split-input-file --fff-generate-c-entry-points=host-runtime=true --verify-diagnostics | FileCheck %s

// CHECK-LABEL: llvm.func internal @f(
// CHECK:       llvm.func internal @fff_f.body(%[[CTX:.*]]: !llvm.ptr) {
// CHECK:         %[[P0:.*]] = llvm.getelementptr %[[CTX]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, i64, i64, i64, i64, i64, ptr, ptr, i64, i64, i64)>
// CHECK-NEXT:    %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[P11:.*]] = llvm.getelementptr %[[CTX]][0, 11]
// CHECK-NEXT:    %[[A11:.*]] = llvm.load %[[P11]] : !llvm.ptr -> i64
// CHECK-NEXT:    llvm.call @f(%[[A0]], {{.*}}, %[[A11]])
// CHECK-NEXT:    llvm.return
// CHECK:       llvm.func @fff_f(%[[X:.*]]: !llvm.ptr, %[[N:.*]]: i64, %[[OUT:.*]]: !llvm.ptr) -> i32
// CHECK:         %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT:    %[[SLOT:.*]] = llvm.alloca %[[ONE]] x !llvm.struct<(ptr, ptr, i64, i64, i64, i64, i64, ptr, ptr, i64, i64, i64)>
// CHECK:         llvm.cond_br %{{.*}}, ^[[EXIT:.*]](%{{.*}} : i32), ^[[GO:.*]]
// CHECK:       ^[[GO]]:
// CHECK:         %[[F0:.*]] = llvm.getelementptr %[[SLOT]][0, 0]
// CHECK-NEXT:    llvm.store %[[X]], %[[F0]] : !llvm.ptr, !llvm.ptr
// CHECK:         %[[BODY:.*]] = llvm.mlir.addressof @fff_f.body : !llvm.ptr
// CHECK-NEXT:    %[[UNWIND:.*]] = llvm.mlir.constant(1 : i32)
// CHECK-NEXT:    %[[STATUS:.*]] = llvm.call @fffHostRun(%[[BODY]], %[[SLOT]], %[[UNWIND]]) : (!llvm.ptr, !llvm.ptr, i32) -> i32
// CHECK-NEXT:    llvm.br ^[[EXIT]](%[[STATUS]] : i32)
llvm.func @f(%xa: !llvm.ptr, %xb: !llvm.ptr, %xo: i64, %x0: i64, %x1: i64, %xs0: i64, %xs1: i64,
             %ya: !llvm.ptr, %yb: !llvm.ptr, %yo: i64, %y0: i64, %ys0: i64)
    attributes {fff.c_abi = {args = [{name = "x", type = tensor<?x4xf32>}], checks = [], function = "f",
                results = [{name = "y", sizes = affine_map<()[s0] -> (s0)>, type = tensor<?xf32>}],
                symbol = "fff_f"}} {
  llvm.return
}

// -----

// Code with OpenMP parallel regions cannot be left early: unwind = 0, and
// a failure there aborts with a message instead.
// CHECK-LABEL: llvm.func @fff_g(
// CHECK:         llvm.mlir.addressof @fff_g.body
// CHECK-NEXT:    %[[UNWIND:.*]] = llvm.mlir.constant(0 : i32)
// CHECK-NEXT:    llvm.call @fffHostRun(%{{.*}}, %{{.*}}, %[[UNWIND]])
llvm.func @g(%xa: !llvm.ptr, %xb: !llvm.ptr, %xo: i64, %x0: i64, %xs0: i64)
    attributes {fff.c_abi = {args = [{name = "x", type = tensor<?xf32>}], checks = [], function = "g",
                results = [], symbol = "fff_g"}} {
  omp.parallel {
    omp.terminator
  }
  llvm.return
}

// -----

// expected-error @below {{the lowered code already uses 'fff_h.body'}}
llvm.func @h(%xa: !llvm.ptr, %xb: !llvm.ptr, %xo: i64, %x0: i64, %xs0: i64)
    attributes {fff.c_abi = {args = [{name = "x", type = tensor<?xf32>}], checks = [], function = "h",
                results = [], symbol = "fff_h"}} {
  llvm.return
}
llvm.func @fff_h.body()
