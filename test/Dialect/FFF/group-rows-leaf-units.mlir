// RUN: fff-opt %s --fff-group-rows="vector-width=4 rows=2 tile-rows=0" --canonicalize --cse --split-input-file | FileCheck %s

// A leaf's hidden units in vectors of 4, two rows at a time. Eight units
// are two groups a step: each row has two independent accumulators over
// the input, each w1 chunk is loaded once for both rows, and each chunk of
// a unit's w2 row once for both rows' outputs.

// CHECK-LABEL: func.func @eight_units
// CHECK:         %[[B0:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %c0], %{{.*}} : tensor<2x8xf32>, vector<4xf32>
// CHECK:         %[[B4:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %c4], %{{.*}} : tensor<2x8xf32>, vector<4xf32>
// CHECK:         %[[H:.*]]:4 = scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args(%[[A0:.*]] = %[[B0]], %[[A1:.*]] = %[[B0]], %[[A2:.*]] = %[[B4]], %[[A3:.*]] = %[[B4]])
// CHECK:           %[[W0:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %c0], %{{.*}} : tensor<2x6x8xf32>, vector<4xf32>
// CHECK:           %[[W4:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %c4], %{{.*}} : tensor<2x6x8xf32>, vector<4xf32>
// CHECK:           %[[X0:.*]] = vector.broadcast
// CHECK-NEXT:      vector.fma %[[X0]], %[[W0]], %[[A0]]
// CHECK-NEXT:      vector.fma %[[X0]], %[[W4]], %[[A2]]
// CHECK:           %[[X1:.*]] = vector.broadcast
// CHECK-NEXT:      vector.fma %[[X1]], %[[W0]], %[[A1]]
// CHECK-NEXT:      vector.fma %[[X1]], %[[W4]], %[[A3]]
// CHECK:         %[[Y0:.*]] = vector.transfer_read %[[R0:.*]][%c0, %c0], %{{.*}} : tensor<1x5xf32>, vector<4xf32>
// CHECK-NEXT:    %[[Y1:.*]] = vector.transfer_read %[[R1:.*]][%c0, %c0], %{{.*}} : tensor<1x5xf32>, vector<4xf32>
// CHECK-NEXT:    %[[U0:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %c0, %c0], %{{.*}} : tensor<2x8x5xf32>, vector<4xf32>
// CHECK-NEXT:    %[[S0:.*]] = vector.fma %{{.*}}, %[[U0]], %[[Y0]]
// CHECK-NEXT:    %[[S1:.*]] = vector.fma %{{.*}}, %[[U0]], %[[Y1]]
// CHECK-NEXT:    %[[U1:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %c1, %c0], %{{.*}} : tensor<2x8x5xf32>, vector<4xf32>
// CHECK-NEXT:    vector.fma %{{.*}}, %[[U1]], %[[S0]]
// CHECK-NEXT:    vector.fma %{{.*}}, %[[U1]], %[[S1]]
// CHECK-COUNT-6: vector.transfer_read %{{.*}} : tensor<2x8x5xf32>, vector<4xf32>
// CHECK-NOT:     tensor<2x8x5xf32>, vector<4xf32>
// CHECK:         vector.transfer_write %{{.*}}, %[[R0]][%c0, %c0]
// CHECK-NEXT:    vector.transfer_write %{{.*}}, %[[R1]][%c0, %c0]
func.func @eight_units(%x: tensor<?x6xf32>, %nw: tensor<1x6xf32>, %nb: tensor<1xf32>,
                       %w1: tensor<2x6x8xf32>, %b1: tensor<2x8xf32>,
                       %w2: tensor<2x8x5xf32>, %b2: tensor<2x5xf32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x6xf32>, tensor<1x6xf32>, tensor<1xf32>,
          tensor<2x6x8xf32>, tensor<2x8xf32>, tensor<2x8x5xf32>, tensor<2x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// Twelve units are not a whole number of pairs of groups: one group of
// four a step, one accumulator per row.

// CHECK-LABEL: func.func @twelve_units
// CHECK:         scf.for %[[U:.*]] = %c0 to %c12 step %c4
// CHECK:           %[[B:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[U]]], %{{.*}} : tensor<2x12xf32>, vector<4xf32>
// CHECK:           scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args(%{{.*}} = %[[B]], %{{.*}} = %[[B]]) -> (vector<4xf32>, vector<4xf32>)
// CHECK-COUNT-1:     vector.transfer_read %{{.*}} : tensor<2x6x12xf32>, vector<4xf32>
// CHECK-NOT:         tensor<2x6x12xf32>, vector<4xf32>
// CHECK:             scf.yield
func.func @twelve_units(%x: tensor<?x6xf32>, %nw: tensor<1x6xf32>, %nb: tensor<1xf32>,
                        %w1: tensor<2x6x12xf32>, %b1: tensor<2x12xf32>,
                        %w2: tensor<2x12x5xf32>, %b2: tensor<2x5xf32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x6xf32>, tensor<1x6xf32>, tensor<1xf32>,
          tensor<2x6x12xf32>, tensor<2x12xf32>, tensor<2x12x5xf32>, tensor<2x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}
