//===- FFFOpsTest.cpp - C++ API of the fff dialect -----------------------===//
//
// What lit tests cannot show: building ops from C++ (as the importer and the
// expansion passes do), result-type inference, diagnostics as seen by a
// caller, folding through the builder, and the enum helpers.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/InitAllFFF.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::fff;

namespace {

class FFFOpsTest : public ::testing::Test {
protected:
  FFFOpsTest() : builder(&context) {
    DialectRegistry registry;
    registerAllFFFDialects(registry);
    registry.insert<func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A value of `type` (the result of tensor.empty), to feed ops under test.
  Value makeTensor(ArrayRef<int64_t> shape, Type elementType) {
    return tensor::EmptyOp::create(builder, builder.getUnknownLoc(), shape,
                                   elementType);
  }

  /// Verifies `op` and returns the diagnostic it produced ("" if none).
  std::string verifyMessage(Operation *op) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    if (succeeded(mlir::verify(op)))
      return "";
    return message;
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(FFFOpsTest, NodeCounts) {
  EXPECT_EQ(getLeafTreeNodeCount(0), 0);
  EXPECT_EQ(getLeafCount(0), 1);
  EXPECT_EQ(getLeafTreeNodeCount(3), 7);
  EXPECT_EQ(getLeafCount(3), 8);
  EXPECT_EQ(getPathTreeNodeCount(0), 1);
  EXPECT_EQ(getPathTreeNodeCount(11), 4095);
}

TEST_F(FFFOpsTest, BuildRouteInfersResultType) {
  Type f32 = builder.getF32Type();
  Value x = makeTensor({5, 16}, f32);
  Value w = makeTensor({7, 16}, f32);
  Value b = makeTensor({7}, f32);
  Value init = makeTensor({5}, builder.getI32Type());
  auto route = RouteOp::create(builder, builder.getUnknownLoc(), 3, TieRule::ge,
                               x, w, b, init);
  EXPECT_EQ(route.getResult().getType(), init.getType());
  EXPECT_EQ(verifyMessage(route), "");
  EXPECT_EQ(route.getDpsInits().size(), 1u);
  EXPECT_EQ(route.getDpsInits()[0], init);
}

TEST_F(FFFOpsTest, BuildRoutePathHasTwoInits) {
  Type f32 = builder.getF32Type();
  Value x = makeTensor({2, 8}, f32);
  Value w = makeTensor({2 * 7, 8}, f32);
  Value b = makeTensor({2 * 7}, f32);
  Value nodes = makeTensor({2, 6}, builder.getI64Type());
  Value logits = makeTensor({2, 6}, f32);
  auto route = RoutePathOp::create(builder, builder.getUnknownLoc(),
                                   /*trees=*/2, /*depth=*/2, TieRule::gt, x, w,
                                   b, nodes, logits);
  EXPECT_EQ(verifyMessage(route), "");
  EXPECT_EQ(route.getNodesPerTree(), 7);
  EXPECT_EQ(route.getPathLength(), 6);
  ASSERT_EQ(route.getDpsInits().size(), 2u);
  EXPECT_EQ(route.getDpsInits()[0], nodes);
  EXPECT_EQ(route.getDpsInits()[1], logits);
}

TEST_F(FFFOpsTest, VerifierNamesOperandAndSizes) {
  Type f32 = builder.getF32Type();
  Value x = makeTensor({5, 16}, f32);
  Value w = makeTensor({6, 16}, f32); // depth 3 needs 7 nodes
  Value b = makeTensor({7}, f32);
  Value init = makeTensor({5}, builder.getI32Type());
  auto route = RouteOp::create(builder, builder.getUnknownLoc(), 3, TieRule::ge,
                               x, w, b, init);
  std::string message = verifyMessage(route);
  EXPECT_NE(message.find("'node_weights' dimension 0 must be 7"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("but got 6"), std::string::npos) << message;
}

TEST_F(FFFOpsTest, IndexWidthLimitsDepth) {
  Type f32 = builder.getF32Type();
  Value x = makeTensor({1, 4}, f32);
  Value w = makeTensor({255, 4}, f32);
  Value b = makeTensor({255}, f32);
  // Depth 8 reaches leaf 255, which an i8 cannot hold as a signed value.
  Value narrow = makeTensor({1}, builder.getIntegerType(8));
  auto route = RouteOp::create(builder, builder.getUnknownLoc(), 8, TieRule::ge,
                               x, w, b, narrow);
  EXPECT_NE(verifyMessage(route).find("cannot hold index 255"),
            std::string::npos);
  Value wide = makeTensor({1}, builder.getIndexType());
  route.getInitMutable().assign(wide);
  route.getResult().setType(cast<RankedTensorType>(wide.getType()));
  EXPECT_EQ(verifyMessage(route), "");
}

TEST_F(FFFOpsTest, EmptyBatchCmmFoldsToInit) {
  Type f32 = builder.getF32Type();
  Value lhs = makeTensor({0, 16}, f32);
  Value bank = makeTensor({8, 16, 4}, f32);
  Value indices = makeTensor({0}, builder.getI32Type());
  Value init = makeTensor({0, 4}, f32);
  Value folded = builder.createOrFold<CmmOp>(builder.getUnknownLoc(), lhs, bank,
                                             indices, /*bias=*/Value(), init);
  EXPECT_EQ(folded, init);
}

TEST_F(FFFOpsTest, NonEmptyCmmDoesNotFold) {
  Type f32 = builder.getF32Type();
  Value lhs = makeTensor({3, 16}, f32);
  Value bank = makeTensor({8, 16, 4}, f32);
  Value indices = makeTensor({3}, builder.getI32Type());
  Value bias = makeTensor({8, 4}, f32);
  Value init = makeTensor({3, 4}, f32);
  Value result = builder.createOrFold<CmmOp>(builder.getUnknownLoc(), lhs, bank,
                                             indices, bias, init);
  auto cmm = result.getDefiningOp<CmmOp>();
  ASSERT_TRUE(cmm);
  EXPECT_FALSE(cmm.isMultiIndex());
  EXPECT_EQ(verifyMessage(cmm), "");
}

TEST_F(FFFOpsTest, ParsedLayerRoundTripsThroughText) {
  const char *source = R"mlir(
    func.func @layer(%x: tensor<?x8xf32>, %w: tensor<7x8xf32>,
                     %b: tensor<7xf32>, %wo: tensor<7x3xf32>,
                     %init: tensor<?x3xf32>) -> tensor<?x3xf32> {
      %y = fff.path_neuron trees 1 depth 2 activation gelu tie gt
          ins(%x, %w, %b, %wo : tensor<?x8xf32>, tensor<7x8xf32>,
              tensor<7xf32>, tensor<7x3xf32>)
          outs(%init : tensor<?x3xf32>)
      return %y : tensor<?x3xf32>
    })mlir";
  OwningOpRef<ModuleOp> parsed = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(parsed);
  PathNeuronOp layer;
  parsed->walk([&](PathNeuronOp op) { layer = op; });
  ASSERT_TRUE(layer);
  EXPECT_EQ(layer.getActivation(), Activation::gelu);
  EXPECT_EQ(layer.getTie(), TieRule::gt);
  EXPECT_EQ(layer.getNodesPerTree(), 7);
}

TEST_F(FFFOpsTest, EnumsRoundTripThroughStrings) {
  for (Activation act :
       {Activation::relu, Activation::gelu, Activation::gelu_tanh,
        Activation::silu, Activation::identity})
    EXPECT_EQ(symbolizeActivation(stringifyActivation(act)), act);
  EXPECT_EQ(symbolizeTieRule("ge"), TieRule::ge);
  EXPECT_EQ(symbolizeTieRule("gt"), TieRule::gt);
  EXPECT_FALSE(symbolizeActivation("tanh").has_value());
}

} // namespace
