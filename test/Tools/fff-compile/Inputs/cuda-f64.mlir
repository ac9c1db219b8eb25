// A layer the GPU target cannot compile (f64): fff-compile reports it at the op.
func.func @layer(%x: tensor<?x4xf64>, %w: tensor<3x4xf64>, %b: tensor<3xf64>,
                 %wo: tensor<3x2xf64>) -> tensor<?x2xf64> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf64>
  %init = tensor.empty(%n) : tensor<?x2xf64>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf64>, tensor<3x4xf64>, tensor<3xf64>, tensor<3x2xf64>)
      outs(%init : tensor<?x2xf64>)
  return %y : tensor<?x2xf64>
}
