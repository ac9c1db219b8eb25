// fff-gpu-bench: times one path-neuron layer shape on an NVIDIA GPU, in one
// process, on the same weights and inputs, and prints one JSON object per
// measurement (bench/gpu/run.py drives it; docs/performance.md reads the
// results):
//
//   - "FFF compiled": the library fff-compile --target=cuda wrote (loaded
//     with dlopen; its fff_layer takes device pointers and synchronizes);
//   - "dense cuBLAS fp32" / "dense cuBLAS bf16": the dense block with every
//     neuron, H = act(X W_in^T + b), Y = H W_out, as two GEMMs and a bias +
//     activation kernel (bf16: bf16 operands, fp32 accumulation);
//   - "FFF naive kernel": one thread per row walking its tree (the design of
//     UltraFastBERT's published CUDA kernel), written here.
//
//   fff-gpu-bench --lib LIB.so --d-in N --d-out N --depth N --trees N
//                 --weights FILE --batches 1,16,... [--min-time S]
//
// FILE holds float32 w_in (T*N x d_in), b_in (T*N), w_out (T*N x d_out), the
// layouts of fff.path_neuron's operands. Every implementation is timed the
// same way: calls back to back, each followed by a device synchronization,
// wall clock around them; the median of several such runs, per call.
#include "../parse_list.h"

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <functional>
#include <random>
#include <string>
#include <vector>

using fffbench::parseList;

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "fff-gpu-bench: error: %s\n", message.c_str());
  std::exit(2);
}

void check(cudaError_t status, const char *what) {
  if (status != cudaSuccess)
    die(std::string(what) + ": " + cudaGetErrorString(status));
}

void check(cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    die(std::string(what) + ": cuBLAS status " + std::to_string(status));
}

template <typename T> struct DeviceBuffer {
  T *ptr = nullptr;
  explicit DeviceBuffer(size_t count) {
    check(cudaMalloc(&ptr, std::max<size_t>(count, 1) * sizeof(T)),
          "cudaMalloc");
  }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
};

__device__ float gelu(float z) {
  return 0.5f * z * (1.0f + erff(z * 0.70710678118654752f));
}

// H (rows x hidden, row-major) = act(H + b) in place.
template <typename T>
__global__ void biasGelu(T *h, const float *b, int64_t rows, int64_t hidden) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < rows * hidden)
    h[i] = T(gelu(float(h[i]) + b[i % hidden]));
}

__global__ void toBf16(__nv_bfloat16 *out, const float *in, int64_t n) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n)
    out[i] = __float2bfloat16(in[i]);
}

// One thread per row: the row walks each tree, every visited node adding
// gelu(z) * w_out[node] into the row's output (tie rule "gt", SPEC.md).
__global__ void naivePathNeuron(const float *x, const float *wIn,
                                const float *bIn, const float *wOut, float *y,
                                int64_t batch, int64_t dIn, int64_t dOut,
                                int64_t depth, int64_t trees) {
  int64_t row = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (row >= batch)
    return;
  const float *xr = x + row * dIn;
  float *yr = y + row * dOut;
  for (int64_t o = 0; o < dOut; ++o)
    yr[o] = 0.0f;
  int64_t perTree = (int64_t(2) << depth) - 1;
  for (int64_t t = 0; t < trees; ++t) {
    int64_t n = 0;
    for (int64_t level = 0; level <= depth; ++level) {
      int64_t g = t * perTree + n;
      float z = bIn[g];
      for (int64_t k = 0; k < dIn; ++k)
        z += xr[k] * wIn[g * dIn + k];
      float a = gelu(z);
      for (int64_t o = 0; o < dOut; ++o)
        yr[o] += a * wOut[g * dOut + o];
      n = 2 * n + 1 + (z > 0.0f ? 1 : 0);
    }
  }
}

/// Median over `runs` of (time of `calls` calls) / calls, in seconds, with
/// `calls` grown until one run takes `minTime`.
double timeCalls(const std::function<void()> &call, double minTime) {
  auto once = [&](int64_t calls) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < calls; ++i) {
      call();
      check(cudaDeviceSynchronize(), "synchronize");
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  once(3); // warm up: module load, cuBLAS heuristics, caches
  int64_t calls = 1;
  while (once(calls) < minTime / 5 && calls < (int64_t(1) << 20))
    calls *= 2;
  std::vector<double> perCall;
  for (int run = 0; run < 5; ++run)
    perCall.push_back(once(calls) / calls);
  std::sort(perCall.begin(), perCall.end());
  return perCall[perCall.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  std::string lib, weightsPath;
  int64_t dIn = 0, dOut = 0, depth = -1, trees = 1;
  std::vector<int64_t> batches;
  double minTime = 0.3;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--lib")
      lib = value();
    else if (arg == "--weights")
      weightsPath = value();
    else if (arg == "--d-in")
      dIn = std::stoll(value());
    else if (arg == "--d-out")
      dOut = std::stoll(value());
    else if (arg == "--depth")
      depth = std::stoll(value());
    else if (arg == "--trees")
      trees = std::stoll(value());
    else if (arg == "--batches")
      batches = parseList(value());
    else if (arg == "--min-time")
      minTime = std::stod(value());
    else
      die("unknown option " + arg);
  }
  if (lib.empty() || weightsPath.empty() || dIn <= 0 || dOut <= 0 ||
      depth < 0 || trees < 1 || batches.empty())
    die("need --lib, --weights, --d-in, --d-out, --depth, --batches");

  // Weights, as fff.path_neuron takes them.
  int64_t hidden = trees * ((int64_t(2) << depth) - 1);
  std::vector<float> host(hidden * dIn + hidden + hidden * dOut);
  FILE *file = std::fopen(weightsPath.c_str(), "rb");
  if (!file || std::fread(host.data(), sizeof(float), host.size(), file) !=
                   host.size())
    die("cannot read " + std::to_string(host.size()) + " floats from " +
        weightsPath);
  std::fclose(file);
  DeviceBuffer<float> wIn(hidden * dIn), bIn(hidden), wOut(hidden * dOut);
  check(cudaMemcpy(wIn.ptr, host.data(), hidden * dIn * sizeof(float),
                   cudaMemcpyHostToDevice),
        "copy w_in");
  check(cudaMemcpy(bIn.ptr, host.data() + hidden * dIn, hidden * sizeof(float),
                   cudaMemcpyHostToDevice),
        "copy b_in");
  check(cudaMemcpy(wOut.ptr, host.data() + hidden * dIn + hidden,
                   hidden * dOut * sizeof(float), cudaMemcpyHostToDevice),
        "copy w_out");
  DeviceBuffer<__nv_bfloat16> wInBf(hidden * dIn), wOutBf(hidden * dOut);
  toBf16<<<(hidden * dIn + 255) / 256, 256>>>(wInBf.ptr, wIn.ptr,
                                               hidden * dIn);
  toBf16<<<(hidden * dOut + 255) / 256, 256>>>(wOutBf.ptr, wOut.ptr,
                                               hidden * dOut);
  check(cudaDeviceSynchronize(), "bf16 weights");

  // The compiled layer: fff_layer(x, batch, w_in, b_in, w_out, y).
  void *handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    die("cannot load " + lib + ": " + dlerror());
  using Layer = int32_t (*)(const float *, int64_t, const float *,
                            const float *, const float *, float *);
  auto layer = reinterpret_cast<Layer>(dlsym(handle, "fff_layer"));
  auto lastError =
      reinterpret_cast<const char *(*)()>(dlsym(handle, "fffGpuLastError"));
  if (!layer || !lastError)
    die(lib + " is not an fff-compile --target=cuda library with fff_layer");

  cudaDeviceProp props;
  check(cudaGetDeviceProperties(&props, 0), "device properties");
  int runtimeVersion = 0;
  cudaRuntimeGetVersion(&runtimeVersion);
  std::printf("{\"device\": \"%s\", \"cuda_runtime\": %d, \"sms\": %d}\n",
              props.name, runtimeVersion, props.multiProcessorCount);

  cublasHandle_t blas;
  check(cublasCreate(&blas), "cublasCreate");
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (int64_t batch : batches) {
    std::vector<float> xHost(batch * dIn);
    for (float &v : xHost)
      v = normal(rng);
    DeviceBuffer<float> x(batch * dIn), y(batch * dOut), h(batch * hidden);
    DeviceBuffer<__nv_bfloat16> xBf(batch * dIn), yBf(batch * dOut),
        hBf(batch * hidden);
    check(cudaMemcpy(x.ptr, xHost.data(), xHost.size() * sizeof(float),
                     cudaMemcpyHostToDevice),
          "copy x");
    toBf16<<<(batch * dIn + 255) / 256, 256>>>(xBf.ptr, x.ptr, batch * dIn);
    auto report = [&](const char *impl, double seconds) {
      std::printf("{\"impl\": \"%s\", \"batch\": %lld, \"seconds\": %.9g}\n",
                  impl, static_cast<long long>(batch), seconds);
      std::fflush(stdout);
    };

    report("FFF compiled", timeCalls(
                               [&] {
                                 if (layer(x.ptr, batch, wIn.ptr, bIn.ptr,
                                           wOut.ptr, y.ptr) != 0)
                                   die(std::string("fff_layer: ") +
                                       lastError());
                               },
                               minTime));

    // Row-major X (B x D) is column-major X^T: H^T = W_in X^T, Y^T = W_out^T
    // H^T, with W_in (hidden x D) and W_out (hidden x D_out) row-major.
    const float one = 1.0f, zero = 0.0f;
    int blocks = static_cast<int>((batch * hidden + 255) / 256);
    report("dense cuBLAS fp32",
           timeCalls(
               [&] {
                 check(cublasSgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, hidden,
                                   batch, dIn, &one, wIn.ptr, dIn, x.ptr, dIn,
                                   &zero, h.ptr, hidden),
                       "sgemm 1");
                 biasGelu<<<blocks, 256>>>(h.ptr, bIn.ptr, batch, hidden);
                 check(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, dOut, batch,
                                   hidden, &one, wOut.ptr, dOut, h.ptr, hidden,
                                   &zero, y.ptr, dOut),
                       "sgemm 2");
               },
               minTime));
    report("dense cuBLAS bf16",
           timeCalls(
               [&] {
                 check(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, hidden,
                                    batch, dIn, &one, wInBf.ptr, CUDA_R_16BF,
                                    dIn, xBf.ptr, CUDA_R_16BF, dIn, &zero,
                                    hBf.ptr, CUDA_R_16BF, hidden,
                                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                       "bf16 gemm 1");
                 biasGelu<<<blocks, 256>>>(hBf.ptr, bIn.ptr, batch, hidden);
                 check(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, dOut, batch,
                                    hidden, &one, wOutBf.ptr, CUDA_R_16BF, dOut,
                                    hBf.ptr, CUDA_R_16BF, hidden, &zero,
                                    yBf.ptr, CUDA_R_16BF, dOut,
                                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                       "bf16 gemm 2");
               },
               minTime));
    report("FFF naive kernel",
           timeCalls(
               [&] {
                 naivePathNeuron<<<static_cast<int>((batch + 255) / 256),
                                   256>>>(x.ptr, wIn.ptr, bIn.ptr, wOut.ptr,
                                          y.ptr, batch, dIn, dOut, depth,
                                          trees);
               },
               minTime));
    check(cudaGetLastError(), "kernel launch");
  }
  cublasDestroy(blas);
  return 0;
}
