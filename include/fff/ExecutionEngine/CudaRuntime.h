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

/* Returns 1 and keeps the message if any call failed since the last
 * fffGpuTakeError() on this thread, or if the driver or a compiled module
 * could not be loaded at all; else 0. Compiled code calls it. */
int32_t fffGpuTakeError(void);

/* What callers use: availability, errors, device memory. */
#define FFF_GPU_API(declaration, parameters) declaration parameters;
#include "fff/ExecutionEngine/CudaRuntimeAPI.def"
#undef FFF_GPU_API

#ifdef __cplusplus
}
#endif

#endif /* FFF_EXECUTIONENGINE_CUDARUNTIME_H */
