// Input of eval-order.test: the lines it names build two ops in one call.
Value one(OpBuilder &b, Location loc) {
  return arith::ConstantIndexOp::create(b, loc, 1);
}
void example(OpBuilder &b, Location loc, Value x) {
  Value ok = arith::AddIOp::create(b, loc, x, one(b, loc));
  Value bad = arith::AddIOp::create(b, loc, one(b, loc),
                                    index(b, loc, 2));
  auto helper = [&]() { return one(b, loc); };
  Value braced = ValueRange{helper(), helper()}.front(); // braces: in order
  Value alsoBad = sum(helper(), one(b, loc));
  scf::ForOp::create(b, loc, ok, x, one(b, loc), ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value, ValueRange) {
                       Value later = one(nb, nl); // a lambda runs later
                     });
}
