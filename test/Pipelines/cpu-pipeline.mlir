// The defaults (those of fff-compile): grouped rows, and vector-width=auto
// decided for the pipeline's default target, a generic CPU, whatever the
// host (4 lanes on x86-64 and AArch64); a named CPU decides otherwise.
// RUN: fff-opt %s --fff-cpu-pipeline | FileCheck %s --check-prefixes=LLVM,GROUPED --implicit-check-not="{{[= ](fff|linalg|scf|cf|memref|tensor|vector|arith|math|func|bufferization|affine)\.}}"
// RUN: fff-opt %s --fff-cpu-pipeline="target-triple=x86_64-unknown-linux-gnu target-cpu=skylake-avx512" | FileCheck %s --check-prefix=AVX512
// RUN: fff-opt %s --fff-cpu-pipeline="group-rows=0" | FileCheck %s --check-prefixes=LLVM,FUSED --implicit-check-not="{{[= ](fff|linalg|scf|cf|memref|tensor|vector|arith|math|func|bufferization|affine)\.}}"
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=false vector-width=0 group-rows=0" | FileCheck %s --check-prefixes=LLVM,UNFUSED --implicit-check-not="{{[= ](fff|linalg|scf|cf|memref|tensor|vector|arith|math|func|bufferization|affine)\.}}"
// RUN: fff-opt %s --pass-pipeline="builtin.module(fff-cpu-pipeline{fuse=true vector-width=16 row-block=4 group-rows=0})" | FileCheck %s --check-prefixes=LLVM,FUSED --implicit-check-not="{{[= ](fff|linalg|scf|cf|memref|tensor|vector|arith|math|func|bufferization|affine)\.}}"
// RUN: fff-opt %s --fff-cpu-pipeline | not grep abort
// out-params=true (what fff-compile uses): the result is the caller's buffer,
// so fused code allocates nothing at all.
// RUN: fff-opt %s --fff-cpu-pipeline="out-params=true group-rows=0" | not grep -E "llvm.call @malloc|llvm.intr.memcpy"
// RUN: not fff-opt %s --fff-cpu-pipeline="vector-width=-1" 2>&1 | FileCheck %s --check-prefix=BADVW
// RUN: not fff-opt %s --pass-pipeline="builtin.module(fff-cpu-pipeline{row-block=0})" 2>&1 | FileCheck %s --check-prefix=BADRB
// RUN: not fff-opt %s --fff-cpu-pipeline="fuse=maybe" 2>&1 | FileCheck %s --check-prefix=BADBOOL
// RUN: not fff-opt %s --fff-cpu-pipeline="interleave=-1" 2>&1 | FileCheck %s --check-prefix=BADIL
// RUN: not fff-opt %s --fff-cpu-pipeline="tile=4" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not fff-opt %s --fff-cpu-pipeline="target-cpu=pentium9 vector-width=8" 2>&1 | FileCheck %s --check-prefix=BADCPU

// The whole pipeline ends in the LLVM dialect with nothing else left. Without
// grouping (group-rows=0), the fused code allocates the result and nothing
// else, while the unfused code also materializes the leaf index tensor and
// the hidden activations on the heap. No op of any other dialect remains
// (the implicit-check-not in the RUN lines).

// LLVM-LABEL: llvm.func @leaf
// GROUPED:         vector<4xf32>
// The batch dispatch of fff-group-rows: batches of group-min-batch rows or
// more are grouped.
// GROUPED:         llvm.icmp "uge"
// AVX512:          vector<16xf32>
// FUSED-COUNT-1:   llvm.call @malloc
// FUSED-NOT:       llvm.call @malloc
// UNFUSED-COUNT-3: llvm.call @malloc
// UNFUSED-NOT:     llvm.call @malloc
// LLVM:         llvm.return
func.func @leaf(%x: tensor<?x20xf32>, %nw: tensor<3x20xf32>, %nb: tensor<3xf32>,
                %w1: tensor<4x20x2xf32>, %b1: tensor<4x2xf32>,
                %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>) -> tensor<?x5xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x20xf32>
  %init = tensor.empty(%rows) : tensor<?x5xf32>
  %y = fff.leaf_mlp depth 2 activation gelu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x20xf32>, tensor<3x20xf32>,
          tensor<3xf32>, tensor<4x20x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// BADVW: error: fff-cpu-pipeline: vector-width must be in [0, 64], got -1
// BADRB: error: fff-cpu-pipeline: row-block must be >= 1, got 0
// BADIL: error: fff-cpu-pipeline: interleave must be in [0, 16] (0 = chosen per layer), got -1
// BADBOOL: for the --fuse option: 'maybe' is invalid value for boolean argument
// UNKNOWN: no such option tile
// BADCPU: error: fff-cpu-pipeline: target: unknown CPU 'pentium9' for
