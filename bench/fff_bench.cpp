// fff-bench: times one layer shape's implementations on the same weights
// and inputs, in one process, and prints one JSON object per measurement.
// bench/run.py drives it (compiles the libraries, checks their outputs
// against the reference first, collects the results); see docs/performance.md.
//
//   fff-bench --family path_neuron|leaf_mlp --d-in N --d-out N --depth N
//             [--trees N] [--leaf-width N] [--master N] --act gelu|relu
//             --tie ge|gt --weights FILE --batches 1,16,... [--min-time S]
//             [--impl NAME=LIB.so]... [--impl-baked NAME=LIB.so]...
//             [--baselines 0|1] [--max-seconds S]
//
// --impl libraries take the weights at run time (fff_layer(x, batch, w...,
// y)); --impl-baked ones have them built in (fff_layer(x, batch, y)).
#include "baselines.h"
#include "parse_list.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <random>
#include <string>
#include <vector>

extern "C" char *openblas_get_corename(void);
extern "C" int openblas_get_num_threads(void);
extern "C" char *openblas_get_config(void);

using namespace fffbench;

namespace {
[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "fff-bench: error: %s\n", message.c_str());
  std::exit(2);
}

/// The compiled entry point `fff_layer(x, batch, w..., y)` with `n` weights.
using Runner = std::function<int32_t(const float *, int64_t, float *)>;

Runner loadEntryPoint(const std::string &path,
                      const std::vector<const float *> &w) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    die("cannot load " + path + ": " + dlerror());
  void *symbol = dlsym(handle, "fff_layer");
  if (!symbol)
    die(path + " has no entry point fff_layer");
  using F = const float *;
  switch (w.size()) {
  case 0: {
    auto fn = reinterpret_cast<int32_t (*)(F, int64_t, float *)>(symbol);
    return [=](F x, int64_t b, float *y) { return fn(x, b, y); };
  }
  case 3: {
    auto fn =
        reinterpret_cast<int32_t (*)(F, int64_t, F, F, F, float *)>(symbol);
    return
        [=](F x, int64_t b, float *y) { return fn(x, b, w[0], w[1], w[2], y); };
  }
  case 4: {
    auto fn =
        reinterpret_cast<int32_t (*)(F, int64_t, F, F, F, F, float *)>(symbol);
    return [=](F x, int64_t b, float *y) {
      return fn(x, b, w[0], w[1], w[2], w[3], y);
    };
  }
  case 6: {
    auto fn =
        reinterpret_cast<int32_t (*)(F, int64_t, F, F, F, F, F, F, float *)>(
            symbol);
    return [=](F x, int64_t b, float *y) {
      return fn(x, b, w[0], w[1], w[2], w[3], w[4], w[5], y);
    };
  }
  case 11: {
    auto fn = reinterpret_cast<int32_t (*)(F, int64_t, F, F, F, F, F, F, F, F,
                                           F, F, F, float *)>(symbol);
    return [=](F x, int64_t b, float *y) {
      return fn(x, b, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8],
                w[9], w[10], y);
    };
  }
  default:
    die("unsupported number of weights: " + std::to_string(w.size()));
  }
}

/// Median seconds per call: at least 3 calls and `minTime` seconds, after a
/// warm-up call (one call only when a call takes longer than `maxSeconds`).
double timeCalls(const std::function<void()> &call, double minTime,
                 double maxSeconds) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  call();
  double first = std::chrono::duration<double>(Clock::now() - t0).count();
  if (first > maxSeconds)
    return first;
  std::vector<double> times;
  auto start = Clock::now();
  while (
      times.size() < 3 ||
      (std::chrono::duration<double>(Clock::now() - start).count() < minTime &&
       times.size() < 100000)) {
    auto s = Clock::now();
    call();
    times.push_back(std::chrono::duration<double>(Clock::now() - s).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2,
                   times.end());
  return times[times.size() / 2];
}
} // namespace

int main(int argc, char **argv) {
  Layer layer;
  std::string weightsFile, family;
  std::vector<int64_t> batches;
  std::vector<std::pair<std::string, std::string>> impls, baked;
  double minTime = 0.2, maxSeconds = 3.0;
  bool baselines = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      die("missing value after " + arg);
    std::string v = argv[++i];
    auto named = [&](const std::string &text) {
      size_t eq = text.find('=');
      if (eq == std::string::npos)
        die(arg + " takes NAME=LIBRARY, got " + text);
      return std::pair{text.substr(0, eq), text.substr(eq + 1)};
    };
    if (arg == "--family")
      family = v;
    else if (arg == "--d-in")
      layer.dIn = std::stoll(v);
    else if (arg == "--d-out")
      layer.dOut = std::stoll(v);
    else if (arg == "--depth")
      layer.depth = std::stoll(v);
    else if (arg == "--trees")
      layer.trees = std::stoll(v);
    else if (arg == "--leaf-width")
      layer.leafWidth = std::stoll(v);
    else if (arg == "--master")
      layer.master = std::stoll(v);
    else if (arg == "--act")
      layer.gelu = v == "gelu";
    else if (arg == "--tie")
      layer.tieGe = v == "ge";
    else if (arg == "--weights")
      weightsFile = v;
    else if (arg == "--batches")
      batches = parseList(v);
    else if (arg == "--min-time")
      minTime = std::stod(v);
    else if (arg == "--max-seconds")
      maxSeconds = std::stod(v);
    else if (arg == "--impl")
      impls.push_back(named(v));
    else if (arg == "--impl-baked")
      baked.push_back(named(v));
    else if (arg == "--baselines")
      baselines = v != "0";
    else
      die("unknown option " + arg);
  }
  if (family != "path_neuron" && family != "leaf_mlp")
    die("--family must be path_neuron or leaf_mlp");
  layer.pathNeuron = family == "path_neuron";
  if (layer.leafWidth > 64 || layer.master > 64 || layer.dOut > 1024)
    die("the plain loop supports leaf and master widths <= 64, d-out <= 1024");

  // Weights: float32 arrays back to back, sizes from the shape.
  std::vector<int64_t> sizes;
  if (layer.pathNeuron) {
    int64_t total = layer.trees * ((int64_t(2) << layer.depth) - 1);
    sizes = {total * layer.dIn, total, total * layer.dOut};
  } else {
    int64_t leaves = int64_t(1) << layer.depth, l = layer.leafWidth;
    sizes = {(leaves - 1) * layer.dIn, leaves - 1,
             leaves * layer.dIn * l,   leaves * l,
             leaves * l * layer.dOut,  leaves * layer.dOut};
    if (layer.master)
      for (int64_t s : {layer.dIn * layer.master, layer.master,
                        layer.master * layer.dOut, layer.dOut, int64_t(1)})
        sizes.push_back(s);
  }
  FILE *f = std::fopen(weightsFile.c_str(), "rb");
  if (!f)
    die("cannot open " + weightsFile);
  for (int64_t s : sizes) {
    layer.weights.emplace_back(s);
    if (std::fread(layer.weights.back().data(), sizeof(float), s, f) !=
        static_cast<size_t>(s))
      die(weightsFile + " is shorter than the shape needs");
  }
  std::fclose(f);
  std::vector<const float *> weightPtrs;
  for (const auto &w : layer.weights)
    weightPtrs.push_back(w.data());

  DenseBlas dense(layer);
  std::printf(
      "{\"blas_core\": \"%s\", \"blas_config\": \"%s\", \"blas_threads\": %d, "
      "\"dense_hidden\": %lld}\n",
      openblas_get_corename(), openblas_get_config(), openblas_get_num_threads(),
      static_cast<long long>(dense.hidden()));

  std::vector<std::pair<std::string, Runner>> runners;
  for (auto &[name, path] : impls)
    runners.push_back({name, loadEntryPoint(path, weightPtrs)});
  for (auto &[name, path] : baked)
    runners.push_back({name, loadEntryPoint(path, {})});
  if (baselines) {
    runners.push_back(
        {"plain C++ loop", [&](const float *x, int64_t b, float *y) {
           plainLoop(layer, x, b, y);
           return 0;
         }});
    runners.push_back(
        {"dense OpenBLAS", [&](const float *x, int64_t b, float *y) {
           dense.run(x, b, y);
           return 0;
         }});
  }

  int64_t maxBatch = *std::max_element(batches.begin(), batches.end());
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> x(maxBatch * layer.dIn), y(maxBatch * layer.dOut);
  for (float &v : x)
    v = normal(rng);

  auto report = [&](const std::string &name, int64_t batch, double seconds) {
    std::printf("{\"impl\": \"%s\", \"batch\": %lld, \"seconds\": %.9g}\n",
                name.c_str(), static_cast<long long>(batch), seconds);
    std::fflush(stdout);
  };
  for (int64_t batch : batches)
    for (auto &runner : runners) {
      double s = timeCalls(
          [&] {
            if (runner.second(x.data(), batch, y.data()) != 0)
              die(runner.first + " returned an error status");
          },
          minTime, maxSeconds);
      report(runner.first, batch, s);
    }
  return 0;
}
