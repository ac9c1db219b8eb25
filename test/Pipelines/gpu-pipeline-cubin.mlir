// REQUIRES: ptxas
// RUN: fff-opt %s --fff-gpu-pipeline="format=bin" | FileCheck %s

// With ptxas (a CUDA toolkit) the kernels can be stored as a cubin: ptxas
// then assembles the generated PTX, which checks it for sm_90.
// CHECK: gpu.binary @leaf_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
func.func @leaf(%x: tensor<?x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>,
                %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>,
                %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>,
                %mw1: tensor<6x3xf32>, %mb1: tensor<3xf32>, %mw2: tensor<3x5xf32>,
                %mb2: tensor<5xf32>, %k: tensor<f32>) -> tensor<?x5xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x6xf32>
  %init = tensor.empty(%rows) : tensor<?x5xf32>
  %y = fff.leaf_mlp depth 2 activation gelu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x6xf32>, tensor<3x6xf32>, tensor<3xf32>,
          tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<6x3xf32>, tensor<3xf32>, tensor<3x5xf32>, tensor<5xf32>, tensor<f32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}
