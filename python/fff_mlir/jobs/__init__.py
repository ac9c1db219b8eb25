"""The jobs and demos built on the fff_mlir API, run from the command line
(`python3 -m fff_mlir main|demo|examples|walkthrough|eval-mnist`):

  main          the main job (main.py)
  demo          fff-opt, the reference and fff-compile on the shipped examples (demo.py)
  examples      the seeded example layers and their generator (examples.py)
  walkthrough   docs/walkthrough.md from fff-opt's output (walkthrough.py)
  mnist         the MNIST test set in IDX files, and accuracy on it (mnist.py)

They import the API; the API modules (everything outside this folder but
the command line, __main__.py) never import them.
"""
