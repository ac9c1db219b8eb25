//===- Listing.cpp - What fff-compile states about itself, as JSON -------===//
//
// `fff-compile --list-json`: the version, the flags with their defaults, the
// C ABI's version and status codes, and the weight operand names that
// --weights=arguments gives the parameters. The Python package reads its
// defaults and constants from here (python/fff_mlir/listing.py) rather than
// spelling them again.
//
//===----------------------------------------------------------------------===//

#include "Listing.h"

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Target/CInterface.h"
#include "fff/Version.h"

using namespace mlir;
namespace json = llvm::json;

void fff_compile::writeListing(llvm::raw_ostream &os,
                               const PipelineFlags &flags,
                               const llvm::cl::opt<unsigned> &optLevel) {
  json::OStream json(os, /*IndentSize=*/2);
  json.object([&] {
    json.attribute("version", FFF_VERSION_STRING);
    json.attribute("abi_version", fff::kCABIVersion);
    json.attributeObject("flags", [&] {
      flags.writeJSON(json);
      json.attributeObject(optLevel.ArgStr, [&] {
        json.attribute("type", "int");
        json.attribute("default", optLevel.getDefault().getValue());
        json.attribute("target", "any");
      });
    });
    json.attributeArray("status_codes", [&] {
      for (const fff::CStatusInfo &info : fff::getCStatusInfos())
        json.object([&] {
          json.attribute("name", info.cName);
          json.attribute("code", static_cast<int32_t>(info.status));
          json.attribute("message", info.message);
        });
    });
    // Weight operand names per op, in operand order.
    llvm::MapVector<StringRef, std::vector<StringRef>> weights;
#define FFF_WEIGHT(OP, ACCESSOR, NAME)                                         \
  weights[fff::OP::getOperationName()].push_back(NAME);
#define FFF_MASTER_WEIGHT(NAME, RANK) weights["fff.leaf_mlp.master"].push_back(NAME);
#include "fff/Dialect/FFF/IR/FFFWeights.def"
    json.attributeObject("weights", [&] {
      for (auto &entry : weights)
        json.attributeArray(entry.first, [&] {
          for (StringRef name : entry.second)
            json.value(name);
        });
    });
  });
  os << "\n";
}
