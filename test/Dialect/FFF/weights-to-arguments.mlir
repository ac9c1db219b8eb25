// RUN: fff-opt %s --fff-weights-to-arguments --split-input-file --verify-diagnostics | FileCheck %s

// One layer: each constant weight becomes an argument named after its
// operand; the input stays first and the constants are gone.
// CHECK-LABEL: func.func @one_layer
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32> {fff.name = "x"}, %[[W:.*]]: tensor<3x4xf32> {fff.name = "node_weights"},
// CHECK-SAME: %[[B:.*]]: tensor<3xf32> {fff.name = "node_biases"}, %[[O:.*]]: tensor<3x2xf32> {fff.name = "output_weights"})
// CHECK-NOT: arith.constant dense
// CHECK: fff.path_neuron trees 1 depth 1 activation relu tie gt ins(%[[X]], %[[W]], %[[B]], %[[O]] :
func.func @one_layer(%x: tensor<?x4xf32> {fff.name = "x"}) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<3x4xf32>
  %b = arith.constant dense<0.5> : tensor<3xf32>
  %o = arith.constant dense<2.0> : tensor<3x2xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

// -----

// Two layers: names get the layer's index; a constant both use becomes one
// argument per use (a checkpoint may give them different values); a weight
// that is already an argument stays as it is.
// CHECK-LABEL: func.func @two_layers
// CHECK-SAME: (%{{.*}}: tensor<?x4xf32>, %[[NB:.*]]: tensor<1xf32>, %[[W0:.*]]: tensor<1x4xf32> {fff.name = "l0_node_weights"}, %[[W1:.*]]: tensor<1x4xf32> {fff.name = "l1_node_weights"})
// CHECK-SAME: -> (tensor<?xi32>, tensor<?xi32>)
// CHECK: fff.route depth 1 tie ge ins(%{{.*}}, %[[W0]], %[[NB]]
// CHECK: fff.route depth 1 tie gt ins(%{{.*}}, %[[W1]], %[[NB]]
func.func @two_layers(%x: tensor<?x4xf32>, %nb: tensor<1xf32>) -> (tensor<?xi32>, tensor<?xi32>) {
  %w = arith.constant dense<1.0> : tensor<1x4xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?xi32>
  %a = fff.route depth 1 tie ge ins(%x, %w, %nb : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32>) outs(%init : tensor<?xi32>)
  %b = fff.route depth 1 tie gt ins(%x, %w, %nb : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32>) outs(%init : tensor<?xi32>)
  return %a, %b : tensor<?xi32>, tensor<?xi32>
}

// -----

// Private functions and declarations keep their constants.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME: (%{{.*}}: tensor<?x4xf32>) -> tensor<?xi32>
// CHECK: arith.constant dense<1.000000e+00> : tensor<1x4xf32>
func.func private @helper(%x: tensor<?x4xf32>) -> tensor<?xi32> {
  %w = arith.constant dense<1.0> : tensor<1x4xf32>
  %b = arith.constant dense<0.0> : tensor<1xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?xi32>
  %r = fff.route depth 1 tie ge ins(%x, %w, %b : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32>) outs(%init : tensor<?xi32>)
  return %r : tensor<?xi32>
}

// -----

// A public function with callers cannot grow arguments.
// expected-error @below {{'func.func' op is called inside the module, so its weights cannot become arguments}}
func.func @called(%x: tensor<?x4xf32>) -> tensor<?xi32> {
  %w = arith.constant dense<1.0> : tensor<1x4xf32>
  %b = arith.constant dense<0.0> : tensor<1xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?xi32>
  %r = fff.route depth 1 tie ge ins(%x, %w, %b : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32>) outs(%init : tensor<?xi32>)
  return %r : tensor<?xi32>
}
func.func private @caller(%x: tensor<?x4xf32>) -> tensor<?xi32> {
  %r = func.call @called(%x) : (tensor<?x4xf32>) -> tensor<?xi32>
  return %r : tensor<?xi32>
}

// -----

// Equal constants merged by canonicalization still become one argument each.
// CHECK-LABEL: func.func @merged
// CHECK-SAME: %{{.*}}: tensor<1xf32> {fff.name = "node_biases"}, %{{.*}}: tensor<1x2xf32> {fff.name = "output_weights"}
func.func @merged(%x: tensor<?x1xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<1x1xf32>
  %z = arith.constant dense<0.0> : tensor<1xf32>
  %o = arith.constant dense<0.0> : tensor<1x2xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x1xf32>
  %init = tensor.empty(%n) : tensor<?x2xf32>
  %y = fff.path_neuron trees 1 depth 0 activation relu tie gt
      ins(%x, %w, %z, %o : tensor<?x1xf32>, tensor<1x1xf32>, tensor<1xf32>, tensor<1x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

// -----

// A weight constant that another op also uses: the two would diverge.
func.func @shared_with_other_op(%x: tensor<?x4xf32>) -> (tensor<?xi32>, tensor<1xf32>) {
  %w = arith.constant dense<1.0> : tensor<1x4xf32>
  %b = arith.constant dense<0.5> : tensor<1xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?xi32>
  %r = fff.route depth 1 tie ge ins(%x, %w, %b : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32>) outs(%init : tensor<?xi32>)
  // expected-error @below {{'arith.addf' op uses a constant that is also the weight 'node_biases' of fff.route}}
  %s = arith.addf %b, %b : tensor<1xf32>
  return %r, %s : tensor<?xi32>, tensor<1xf32>
}
