"""Command line of fff_mlir (python3 -m fff_mlir COMMAND --help for each).

  main          the main job: compile, run, check and time the default model
                (and the MNIST models when ../shared/fixtures is present)
  compile       compile a checkpoint into a shared library + C header
  run           run a compiled library on rows from a .npy file
  eval-mnist    accuracy of a checkpoint or compiled library on MNIST IDX files
  demo          fff-opt, the reference and fff-compile on the shipped examples
  examples      rewrite examples/*.mlir from their seeds
  walkthrough   rewrite docs/walkthrough.md from fff-opt's output
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


class UsageError(Exception):
    """Bad input on the command line: printed as 'error: ...', exit code 1."""


def _add_import_options(p: argparse.ArgumentParser):
    g = p.add_argument_group("checkpoint import (SPEC.md layouts)")
    g.add_argument("--family", choices=["leaf_mlp", "path_neuron"],
                   help="FFF family (default: detected from the tensor names)")
    g.add_argument("--layer", type=int, help="which encoder layer of a whole model (UltraFastBERT: "
                                             "encoder.layers.<i>.ffn.)")
    g.add_argument("--prefix", help="tensor-name prefix of the layer (default: found)")
    g.add_argument("--depth", type=int, help="tree depth, when T*N rows are ambiguous (path-neuron)")
    g.add_argument("--trees", type=int, help="number of trees (path-neuron)")
    g.add_argument("--activation", choices=["relu", "gelu", "gelu_tanh", "silu", "identity"],
                   help="default: relu for leaf-MLP, gelu for path-neuron")
    g.add_argument("--tie", choices=["ge", "gt"], help="default: ge for leaf-MLP, gt for path-neuron")


def _add_compile_options(p: argparse.ArgumentParser):
    g = p.add_argument_group("compilation (fff-compile's options)")
    g.add_argument("--target", default="cpu", choices=["cpu"])
    # Defaults left None are fff-compile's (fff-compile --help).
    g.add_argument("--target-cpu", help="e.g. znver4, skylake-avx512 (default: host)")
    g.add_argument("--no-fuse", action="store_true", help="lower routing and leaves separately")
    g.add_argument("--vector-width", type=int, help="f32 lanes (default: the target's widest)")
    g.add_argument("--row-block", type=int, help="rows per fused loop iteration")
    g.add_argument("--interleave", type=int, help="rows that walk their trees together (0: chosen per layer)")
    g.add_argument("--group-rows", type=int,
                   help="group rows by leaf or subtree, a leaf's rows N at a time (0: never)")
    g.add_argument("--group-min-batch", type=int, help="smallest batch that is grouped")
    g.add_argument("--openmp", action="store_true", help="run rows on OpenMP threads")
    g.add_argument("--weights", choices=["constants", "arguments"], default="constants",
                   help="bake the weights into the library (default) or pass them at run time")


def _load(args):
    from .checkpoint import load_layer
    kw = {k: getattr(args, k) for k in ("depth", "trees", "activation", "tie")
          if getattr(args, k) is not None}
    path = Path(args.checkpoint)
    if not path.is_file():
        raise UsageError(f"{path}: no such checkpoint")
    try:
        return load_layer(path, args.family, layer=args.layer, prefix=args.prefix, **kw)
    except TypeError:  # the leaf-MLP importer takes no depth/trees: its shapes decide
        raise UsageError(f"{path}: --depth and --trees apply to path-neuron layers only, "
                         "and this checkpoint holds a leaf-MLP layer") from None


def _compile(layer, args, output: Path):
    from .compiler import compile
    return compile(layer, args.target, output=output, fuse=not args.no_fuse,
                   vector_width=args.vector_width, row_block=args.row_block,
                   interleave=args.interleave, group_rows=args.group_rows,
                   group_min_batch=args.group_min_batch, openmp=args.openmp, weights=args.weights,
                   target_cpu=args.target_cpu)


def cmd_compile(args) -> int:
    layer = _load(args)
    output = Path(args.output)
    t0 = time.perf_counter()
    compiled = _compile(layer, args, output)
    print(f"{args.checkpoint}: {layer.describe()}")
    print(f"compiled in {time.perf_counter() - t0:.1f} s: {output} and {output.with_suffix('.h')}")
    print(f"C entry point: {compiled.entry_point.symbol} "
          f"(see {output.with_suffix('.h')}; call it from Python with `python3 -m fff_mlir run`)")
    return 0


def _entry(library, function):
    names = sorted(library.entry_points)
    if function is None:
        if len(names) != 1:
            raise UsageError(f"{library.path} has several entry points {names}; pick one with --function")
        function = names[0]
    return library[function]


def _callable(args):
    """A function x -> y from a compiled library (+ checkpoint when it takes weights)."""
    from .compiler import CompiledLayer
    from .native import Library
    library = Library(args.library)
    entry = _entry(library, args.function)
    if len(entry.args) == 1:
        return entry, entry.args[0].shape[1] if len(entry.args[0].shape) == 2 else None
    if args.checkpoint is None:
        raise UsageError(f"{library.path.name} takes its weights at run time (compiled with "
                         "--weights=arguments): pass --checkpoint")
    layer = _load(args)
    return CompiledLayer(layer, library, entry.function, None), layer.d_in


def _read_rows(path: Path, width) -> np.ndarray:
    if not path.is_file():
        raise UsageError(f"{path}: no such input file")
    try:
        x = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise UsageError(f"{path}: not a .npy array without pickles ({e})") from None
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise UsageError(f"{path}: expected a floating-point array, got dtype {getattr(x, 'dtype', '?')}")
    if x.ndim != 2 or (width is not None and x.shape[1] != width):
        raise UsageError(f"{path}: expected rows of shape (batch, {width}), got {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


def cmd_run(args) -> int:
    fn, width = _callable(args)
    x = _read_rows(Path(args.input), width)
    t0 = time.perf_counter()
    y = fn(x)
    elapsed = time.perf_counter() - t0
    if args.output:
        np.save(args.output, y)
        print(f"{len(x)} rows -> {args.output} {y.shape} in {elapsed * 1e3:.2f} ms")
    else:
        np.set_printoptions(precision=5, suppress=True, linewidth=120)
        print(f"{len(x)} rows in {elapsed * 1e3:.2f} ms; output {y.shape}:")
        print(y)
    return 0


def cmd_eval_mnist(args) -> int:
    from .jobs.mnist import preprocess, read_images, read_labels
    from .paths import fixtures_dir
    mnist = fixtures_dir() / "mnist"
    images = Path(args.images or mnist / "t10k-images-idx3-ubyte.gz")
    labels_path = Path(args.labels or mnist / "t10k-labels-idx1-ubyte.gz")
    for p in (images, labels_path):
        if not p.is_file():
            raise UsageError(f"{p}: no such IDX file (pass --images/--labels or set FFF_FIXTURES_DIR)")
    x, labels = preprocess(read_images(images)), read_labels(labels_path)
    if len(x) != len(labels):
        raise UsageError(f"{len(x)} images but {len(labels)} labels")
    model = Path(args.model)
    if model.suffix == ".so":
        args.library, args.checkpoint = model, args.checkpoint
        fn, width = _callable(args)
    else:
        args.checkpoint = model
        layer = _load(args)
        fn, width = _compile(layer, args, Path(args.workdir or "/tmp/fff_mlir_mnist") / f"lib{model.stem}.so"), layer.d_in
    if width is not None and x.shape[1] != width:
        raise UsageError(f"{model} takes rows of {width} values, the images have {x.shape[1]} pixels")
    t0 = time.perf_counter()
    correct = int(np.sum(np.argmax(fn(x), axis=1) == labels))
    elapsed = time.perf_counter() - t0
    print(f"{model.name}: {correct} of {len(x)} correct (accuracy {correct / len(x):.4f}) "
          f"in {elapsed * 1e3:.1f} ms")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m fff_mlir", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("main", help="the main job: compile, run, check and time the default model")
    p = sub.add_parser("compile", help="compile a checkpoint into a shared library + C header")
    p.add_argument("checkpoint", help=".pt/.bin (PyTorch state_dict) or .npz")
    p.add_argument("-o", "--output", required=True, help="the shared library to write (lib*.so)")
    _add_import_options(p)
    _add_compile_options(p)
    p = sub.add_parser("run", help="run a compiled library on rows from a .npy file")
    p.add_argument("library", help="a library written by fff-compile (its .h must be beside it)")
    p.add_argument("input", help=".npy array of rows (batch, d_in), any float dtype")
    p.add_argument("-o", "--output", help="write the output rows to this .npy file")
    p.add_argument("--function", help="entry point to run (default: the only one)")
    p.add_argument("--checkpoint", help="weights for a library compiled with --weights=arguments")
    _add_import_options(p)
    p = sub.add_parser("eval-mnist", help="accuracy of a model on MNIST IDX files")
    p.add_argument("model", help="a checkpoint (compiled first) or a compiled library (.so)")
    p.add_argument("--images", help="IDX image file (default: the shared fixtures' test set)")
    p.add_argument("--labels", help="IDX label file (default: the shared fixtures' test set)")
    p.add_argument("--function", help="entry point of a library (default: the only one)")
    p.add_argument("--checkpoint", help="weights for a library compiled with --weights=arguments")
    p.add_argument("--workdir", help="where a checkpoint's library is written")
    _add_import_options(p)
    _add_compile_options(p)
    sub.add_parser("demo", help="parse, verify, canonicalize, run and compile the shipped example layers")
    sub.add_parser("examples", help="regenerate examples/*.mlir from their seeds")
    sub.add_parser("walkthrough", help="regenerate docs/walkthrough.md (one layer, stage by stage)")
    args = parser.parse_args(argv)

    from .checkpoint import CheckpointError
    from .jobs.mnist import IdxError
    from .native import CompileError, FFFRuntimeError
    from .reference import ShapeError
    try:
        if args.command == "main":
            from .jobs import main as main_job
            return main_job.run()
        if args.command == "compile":
            return cmd_compile(args)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "eval-mnist":
            return cmd_eval_mnist(args)
        if args.command == "demo":
            from .jobs import demo
            return demo.run_demo()
        if args.command == "walkthrough":
            from .jobs import walkthrough
            walkthrough.write()
            return 0
        from .jobs import examples
        return examples.write_examples()
    except (UsageError, CheckpointError, IdxError, CompileError, FFFRuntimeError, ShapeError,
            FileNotFoundError, ImportError, KeyError, TypeError, ValueError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
