//===- FFFEnums.td - Attributes of the fff dialect ---------*- tablegen -*-===//

#ifndef FFF_DIALECT_FFF_IR_FFFENUMS_TD
#define FFF_DIALECT_FFF_IR_FFFENUMS_TD

include "fff/Dialect/FFF/IR/FFFDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def FFF_Activation : I32EnumAttr<"Activation",
    "activation applied to hidden units or node logits", [
      I32EnumAttrCase<"relu", 0>,
      I32EnumAttrCase<"gelu", 1>,       // exact: x/2 (1 + erf(x/sqrt(2)))
      I32EnumAttrCase<"gelu_tanh", 2>,  // tanh approximation
      I32EnumAttrCase<"silu", 3>,       // x sigmoid(x)
      I32EnumAttrCase<"identity", 4>
    ]> {
  let cppNamespace = "::mlir::fff";
  let genSpecializedAttr = 0;
}

def FFF_ActivationAttr : EnumAttr<FFF_Dialect, FFF_Activation, "activation"> {
  let assemblyFormat = "$value";
}

def FFF_TieRule : I32EnumAttr<"TieRule",
    "which child a logit of exactly zero selects", [
      I32EnumAttrCase<"ge", 0>,  // logit >= 0 goes right (FFF paper)
      I32EnumAttrCase<"gt", 1>   // logit > 0 goes right (UltraFastBERT)
    ]> {
  let cppNamespace = "::mlir::fff";
  let genSpecializedAttr = 0;
}

def FFF_TieRuleAttr : EnumAttr<FFF_Dialect, FFF_TieRule, "tie"> {
  let assemblyFormat = "$value";
}

#endif // FFF_DIALECT_FFF_IR_FFFENUMS_TD
