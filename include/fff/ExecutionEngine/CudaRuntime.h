/*===- CudaRuntime.h - fff-mlir's runtime over the CUDA driver ----*- C -*-===//
 *
 * The functions code compiled for `--target=cuda` calls, and the ones its
 * callers use to manage device memory. The library loads the CUDA driver
 * (libcuda.so.1, or $FFF_CUDA_DRIVER) itself when first needed, so a
 * compiled model links nothing CUDA-specific and needs only the driver at
 * run time. Nothing here aborts: a failed driver call records a message,
 * the calls after it that depend on its result do nothing, and
 * fffGpuTakeError() reports it.
 *
 * Besides these, the library defines the `mgpu*` functions that MLIR's
 * gpu-to-llvm lowering calls (module load, kernel launch, streams, memory).
 *
 *===----------------------------------------------------------------------===*/
#ifndef FFF_EXECUTIONENGINE_CUDARUNTIME_H
#define FFF_EXECUTIONENGINE_CUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the driver loaded and a device is usable, else 0 (the reason is
 * then in fffGpuLastError()). */
int32_t fffGpuAvailable(void);

/* Returns 1 and keeps the message if any call failed since the last
 * fffGpuTakeError() on this thread, or if the driver or a compiled module
 * could not be loaded at all; else 0. */
int32_t fffGpuTakeError(void);

/* The message of the latest failure on this thread ("" if none). */
const char *fffGpuLastError(void);

/* The device's name, e.g. "NVIDIA H100 80GB HBM3", or "" without one. */
const char *fffGpuDeviceName(void);

/* Device memory. Each returns 0 on success, 1 on failure (message kept). */
int32_t fffGpuMalloc(void **devicePtr, size_t bytes);
int32_t fffGpuFree(void *devicePtr);
int32_t fffGpuCopyToDevice(void *devicePtr, const void *hostPtr, size_t bytes);
int32_t fffGpuCopyToHost(void *hostPtr, const void *devicePtr, size_t bytes);
int32_t fffGpuSynchronize(void);

#ifdef __cplusplus
}
#endif

#endif /* FFF_EXECUTIONENGINE_CUDARUNTIME_H */
