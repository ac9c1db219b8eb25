//===- CudaRuntime.cpp - fff-mlir's runtime over the CUDA driver ---------===//
//
// Written from the CUDA driver API documentation. The driver is opened with
// dlopen rather than linked, so that:
//   * the project builds where no CUDA toolkit is installed (no cuda.h: the
//     few declarations it needs are below), and
//   * a compiled model loads on any machine; without a driver or a device
//     its calls fail with a message instead of the loader refusing it.
//
// Errors never abort. Each failure records a message in a thread-local slot
// that fffGpuTakeError() reads and clears; failing to load the driver or a
// module is sticky, because every later call depends on it.
//
//===----------------------------------------------------------------------===//

#include "fff/ExecutionEngine/CudaRuntime.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

// The driver's types, as the driver API documents them.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_JIT_OPTIMIZATION_LEVEL = 7;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;

// The driver entry points used, with the symbol each is exported under.
#define FFF_DRIVER_FUNCTIONS(X)                                                \
  X(cuInit, "cuInit", CUresult, unsigned)                                      \
  X(cuGetErrorName, "cuGetErrorName", CUresult, CUresult, const char **)       \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, int *)                     \
  X(cuDeviceGet, "cuDeviceGet", CUresult, CUdevice *, int)                     \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult, char *, int, CUdevice)       \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult,            \
    CUcontext *, CUdevice)                                                     \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult, CUcontext)                   \
  X(cuCtxSynchronize, "cuCtxSynchronize", CUresult)                            \
  X(cuModuleLoadData, "cuModuleLoadData", CUresult, CUmodule *, const void *)  \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx", CUresult, CUmodule *,            \
    const void *, unsigned, int *, void **)                                    \
  X(cuModuleUnload, "cuModuleUnload", CUresult, CUmodule)                      \
  X(cuModuleGetFunction, "cuModuleGetFunction", CUresult, CUfunction *,        \
    CUmodule, const char *)                                                    \
  X(cuLaunchKernel, "cuLaunchKernel", CUresult, CUfunction, unsigned,          \
    unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,      \
    void **, void **)                                                          \
  X(cuStreamCreate, "cuStreamCreate", CUresult, CUstream *, unsigned)          \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult, CUstream)            \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult, CUstream)                 \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult, CUdeviceptr *, size_t)              \
  X(cuMemFree, "cuMemFree_v2", CUresult, CUdeviceptr)                          \
  X(cuMemcpyAsync, "cuMemcpyAsync", CUresult, CUdeviceptr, CUdeviceptr,        \
    size_t, CUstream)                                                          \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2", CUresult, CUdeviceptr, const void *,      \
    size_t)                                                                    \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2", CUresult, void *, CUdeviceptr, size_t)    \
  X(cuMemsetD32Async, "cuMemsetD32Async", CUresult, CUdeviceptr, unsigned,     \
    size_t, CUstream)                                                          \
  X(cuMemsetD16Async, "cuMemsetD16Async", CUresult, CUdeviceptr,               \
    unsigned short, size_t, CUstream)

struct Driver {
#define FFF_DECLARE(field, symbol, ret, ...)                                   \
  ret (*field)(__VA_ARGS__) = nullptr;
  FFF_DRIVER_FUNCTIONS(FFF_DECLARE)
#undef FFF_DECLARE
  CUcontext context = nullptr;
  char deviceName[256] = "";
  std::string loadError; // Why the driver is unusable; empty when usable.
};

thread_local std::string lastError;
thread_local bool pendingError = false;
// A module that failed to load makes every later call into it fail too.
std::string stickyError;
std::mutex stickyMutex;

void setError(const char *format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  lastError = buffer;
  pendingError = true;
}

void setSticky(const std::string &message) {
  std::lock_guard<std::mutex> lock(stickyMutex);
  if (stickyError.empty())
    stickyError = message;
}

/// The driver's name for `result`. The names of the results that mean "no
/// usable driver" are spelled out too, since a stub or mismatched driver
/// may not name them.
const char *errorName(Driver &d, CUresult result) {
  const char *name = nullptr;
  if (d.cuGetErrorName && d.cuGetErrorName(result, &name) == CUDA_SUCCESS &&
      name)
    return name;
  switch (result) {
  case 34:
    return "CUDA_ERROR_STUB_LIBRARY (a stub libcuda, not a driver)";
  case 35:
    return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case 100:
    return "CUDA_ERROR_NO_DEVICE";
  default:
    return "unknown error";
  }
}

Driver &loadDriver() {
  static Driver driver;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *path = std::getenv("FFF_CUDA_DRIVER");
    if (!path || !*path)
      path = "libcuda.so.1";
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      driver.loadError = std::string("cannot load the CUDA driver (") + path +
                         "): " + dlerror();
      return;
    }
#define FFF_RESOLVE(field, symbol, ret, ...)                                   \
  driver.field =                                                               \
      reinterpret_cast<ret (*)(__VA_ARGS__)>(dlsym(handle, symbol));           \
  if (!driver.field) {                                                         \
    driver.loadError =                                                         \
        std::string("the CUDA driver (") + path + ") lacks " symbol;           \
    return;                                                                    \
  }
    FFF_DRIVER_FUNCTIONS(FFF_RESOLVE)
#undef FFF_RESOLVE
    auto fail = [&](const char *call, CUresult result) {
      driver.loadError = std::string(call) +
                         " failed: " + errorName(driver, result) + " (" +
                         std::to_string(result) + ")";
    };
    int ordinal = 0;
    if (const char *env = std::getenv("FFF_CUDA_DEVICE"))
      ordinal = std::atoi(env);
    CUdevice device;
    if (CUresult r = driver.cuInit(0); r != CUDA_SUCCESS)
      return fail("cuInit", r);
    int count = 0;
    if (CUresult r = driver.cuDeviceGetCount(&count); r != CUDA_SUCCESS)
      return fail("cuDeviceGetCount", r);
    if (ordinal < 0 || ordinal >= count) {
      driver.loadError = "no CUDA device " + std::to_string(ordinal) + " (" +
                         std::to_string(count) + " present)";
      return;
    }
    if (CUresult r = driver.cuDeviceGet(&device, ordinal); r != CUDA_SUCCESS)
      return fail("cuDeviceGet", r);
    driver.cuDeviceGetName(driver.deviceName, sizeof(driver.deviceName),
                           device);
    if (CUresult r = driver.cuDevicePrimaryCtxRetain(&driver.context, device);
        r != CUDA_SUCCESS)
      return fail("cuDevicePrimaryCtxRetain", r);
  });
  return driver;
}

/// The driver with its context current on this thread, or null (and an
/// error recorded) when it is unusable.
Driver *driver() {
  Driver &d = loadDriver();
  if (!d.loadError.empty()) {
    setError("%s", d.loadError.c_str());
    return nullptr;
  }
  if (CUresult r = d.cuCtxSetCurrent(d.context); r != CUDA_SUCCESS) {
    setError("cuCtxSetCurrent failed (%d)", r);
    return nullptr;
  }
  return &d;
}

/// Records a failed driver call; returns true when `result` is a success.
bool check(Driver &d, CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return true;
  setError("%s failed: %s (%d)", call, errorName(d, result), result);
  return false;
}

CUdeviceptr devicePtr(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

void *loadModule(const void *image, int optLevel) {
  Driver *d = driver();
  if (!d) {
    setSticky(lastError);
    return nullptr;
  }
  CUmodule module = nullptr;
  char log[4096] = "";
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log)),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  unsigned numOptions = optLevel >= 0 ? 3 : 2;
  if (!check(*d,
             d->cuModuleLoadDataEx(&module, image, numOptions, options, values),
             "cuModuleLoadDataEx")) {
    if (log[0])
      setError("%s: %s", lastError.c_str(), log);
    setSticky("loading the compiled GPU module failed: " + lastError);
    return nullptr;
  }
  return module;
}

} // namespace

//===----------------------------------------------------------------------===//
// The public API (CudaRuntime.h)
//===----------------------------------------------------------------------===//

extern "C" {

int32_t fffGpuAvailable(void) { return driver() ? 1 : 0; }

int32_t fffGpuTakeError(void) {
  {
    std::lock_guard<std::mutex> lock(stickyMutex);
    if (!stickyError.empty()) {
      lastError = stickyError;
      pendingError = false;
      return 1;
    }
  }
  bool had = pendingError;
  pendingError = false;
  return had ? 1 : 0;
}

const char *fffGpuLastError(void) { return lastError.c_str(); }

const char *fffGpuDeviceName(void) {
  Driver &d = loadDriver();
  return d.loadError.empty() ? d.deviceName : "";
}

int32_t fffGpuMalloc(void **ptr, size_t bytes) {
  *ptr = nullptr;
  Driver *d = driver();
  CUdeviceptr p = 0;
  if (!d || !check(*d, d->cuMemAlloc(&p, bytes ? bytes : 1), "cuMemAlloc"))
    return 1;
  *ptr = reinterpret_cast<void *>(static_cast<uintptr_t>(p));
  return 0;
}

int32_t fffGpuFree(void *ptr) {
  Driver *d = driver();
  return d && check(*d, d->cuMemFree(devicePtr(ptr)), "cuMemFree") ? 0 : 1;
}

int32_t fffGpuCopyToDevice(void *dst, const void *src, size_t bytes) {
  Driver *d = driver();
  return d && check(*d, d->cuMemcpyHtoD(devicePtr(dst), src, bytes),
                    "cuMemcpyHtoD")
             ? 0
             : 1;
}

int32_t fffGpuCopyToHost(void *dst, const void *src, size_t bytes) {
  Driver *d = driver();
  return d && check(*d, d->cuMemcpyDtoH(dst, devicePtr(src), bytes),
                    "cuMemcpyDtoH")
             ? 0
             : 1;
}

int32_t fffGpuSynchronize(void) {
  Driver *d = driver();
  return d && check(*d, d->cuCtxSynchronize(), "cuCtxSynchronize") ? 0 : 1;
}

//===----------------------------------------------------------------------===//
// What MLIR's gpu-to-llvm lowering calls (signatures fixed by that lowering)
//===----------------------------------------------------------------------===//

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  return loadModule(data, /*optLevel=*/-1);
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  return loadModule(data, optLevel);
}

void mgpuModuleUnload(void *module) {
  Driver &d = loadDriver();
  if (module && d.loadError.empty())
    d.cuModuleUnload(static_cast<CUmodule>(module));
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!module) {
    setError("no GPU module to take kernel '%s' from", name);
    return nullptr;
  }
  Driver *d = driver();
  CUfunction function = nullptr;
  if (!d || !check(*d,
                   d->cuModuleGetFunction(&function,
                                          static_cast<CUmodule>(module), name),
                   "cuModuleGetFunction"))
    return nullptr;
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  if (!function)
    return; // The failure that left it null is already recorded.
  // The driver's grid limits are 2^31-1 in x and 65535 in y and z; a batch
  // that needs more blocks is an error, not a silently shortened launch.
  if (gridX <= 0 || gridX > 0x7fffffff || gridY <= 0 || gridY > 65535 ||
      gridZ <= 0 || gridZ > 65535) {
    if (gridX == 0 || gridY == 0 || gridZ == 0)
      return; // Nothing to run (an empty batch).
    setError("kernel grid %ld x %ld x %ld is out of the device's range",
             (long)gridX, (long)gridY, (long)gridZ);
    return;
  }
  Driver *d = driver();
  if (!d)
    return;
  check(*d,
        d->cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                          gridZ, blockX, blockY, blockZ, smem,
                          static_cast<CUstream>(stream), params, extra),
        "cuLaunchKernel");
}

void *mgpuStreamCreate() {
  Driver *d = driver();
  CUstream stream = nullptr;
  if (!d || !check(*d, d->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
                   "cuStreamCreate"))
    return nullptr;
  return stream;
}

void mgpuStreamSynchronize(void *stream) {
  if (Driver *d = driver())
    check(*d, d->cuStreamSynchronize(static_cast<CUstream>(stream)),
          "cuStreamSynchronize");
}

void mgpuStreamDestroy(void *stream) {
  if (!stream)
    return;
  if (Driver *d = driver())
    check(*d, d->cuStreamDestroy(static_cast<CUstream>(stream)),
          "cuStreamDestroy");
}

void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/, bool /*isHostShared*/) {
  void *ptr = nullptr;
  fffGpuMalloc(&ptr, bytes);
  return ptr;
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (ptr)
    fffGpuFree(ptr);
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  if (Driver *d = driver())
    check(*d,
          d->cuMemcpyAsync(devicePtr(dst), devicePtr(src), bytes,
                           static_cast<CUstream>(stream)),
          "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream) {
  if (Driver *d = driver())
    check(*d,
          d->cuMemsetD32Async(devicePtr(dst), value, count,
                              static_cast<CUstream>(stream)),
          "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream) {
  if (Driver *d = driver())
    check(*d,
          d->cuMemsetD16Async(devicePtr(dst), value, count,
                              static_cast<CUstream>(stream)),
          "cuMemsetD16Async");
}

} // extern "C"
