# lit configuration for fff-mlir's IR tests (test/) .
import ctypes
import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "FFF"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fff_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.fff_tools_dir, config.llvm_tools_dir]
tools = ["fff-opt", "fff-compile", "mlir-opt", "mlir-runner", "mlir-translate", "llvm-nm", "llvm-readobj", "not", "count", "split-file",
         ToolSubst("%PYTHON", config.python_executable, unresolved="ignore")]
llvm_config.add_tool_substitutions(tools, tool_dirs)
config.substitutions.append(("%fff_src_root", config.fff_src_root))
config.substitutions.append(("%fff_obj_root", config.fff_obj_root))
# test/Install: cmake, and a configure command that builds another project
# with fff-mlir's own generator and C++ compiler.
config.substitutions.append(("%{cmake}", '"%s"' % config.cmake_command))
config.substitutions.append(("%{cmake_configure}",
    '"%s" -G "%s" -DCMAKE_MAKE_PROGRAM="%s" -DCMAKE_CXX_COMPILER="%s"' % (
        config.cmake_command, config.cmake_generator, config.cmake_make_program,
        config.cmake_cxx_compiler)))

# The fuzz targets (tools/fff-fuzz), built with libFuzzer: each test/Fuzz
# test runs one for FFF_FUZZ_RUNS inputs (at most FFF_FUZZ_SECONDS).
if config.fff_build_fuzzers and config.fuzzing_engine:
    config.available_features.add("fuzzers")
    tools += ["fff-fuzz-parse", "fff-fuzz-cpu-pipeline", "fff-fuzz-gpu-pipeline",
              "fff-fuzz-llvm-ir"]
    llvm_config.add_tool_substitutions(tools[-4:], tool_dirs)
config.substitutions.append(("%fuzz_runs", os.environ.get("FFF_FUZZ_RUNS", "15000")))
config.substitutions.append(("%fuzz_seconds", os.environ.get("FFF_FUZZ_SECONDS", "90")))
if config.sanitizers:
    config.available_features.add("sanitizers")
    # Reports end the run (UBSan's too) and the exit code says so. No user
    # poisoning: LLVM's allocators poison from our instrumented inline code
    # and not from libMLIR.so's (docs/reliability.md).
    for name, value in [("ASAN_OPTIONS", "detect_leaks=1:allow_user_poisoning=0"),
                        ("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")]:
        config.environment[name] = os.environ.get(name, value)

# `sanitizer-runtimes`: clang and its ASan and TSan runtimes (Debian's
# libclang-rt-22-dev), so that programs built with clang -fsanitize can load
# libraries that fff-compile --sanitize instrumented.
clang = os.path.join(config.llvm_tools_dir, "clang")
clang_rt = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib", "clang")
if os.path.exists(clang) and any(
        os.path.exists(os.path.join(root, "libclang_rt.tsan-x86_64.a"))
        for root, _, _ in os.walk(clang_rt)):
    config.available_features.add("sanitizer-runtimes")
    config.substitutions.append(("%clang", clang))

# Runtime support libraries for mlir-runner (printMemrefF32, ...), shipped
# next to the LLVM tools by Debian's mlir-22-tools.
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
for name in ["mlir_runner_utils", "mlir_c_runner_utils"]:
    config.substitutions.append(
        ("%" + name, os.path.join(llvm_lib_dir, "lib" + name + ".so")))

# GPU features. `ptxas` (a CUDA toolkit): the kernels can be assembled to
# cubins. `cuda-device`: a driver and a device, so compiled GPU code can run
# (never in CI). FFF_CUDA_DRIVER names another driver library, as it does
# for the runtime.
# PyTorch (Debian's python3-torch) for the importer's tests (test/Python).
import importlib.util
if importlib.util.find_spec("torch") is not None:
    config.available_features.add("torch")

if shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas"):
    config.available_features.add("ptxas")


def _cuda_device_present():
    try:
        driver = ctypes.CDLL(os.environ.get("FFF_CUDA_DRIVER") or "libcuda.so.1")
        count = ctypes.c_int(0)
        return (driver.cuInit(0) == 0 and driver.cuDeviceGetCount(ctypes.byref(count)) == 0
                and count.value > 0)
    except OSError:
        return False


if _cuda_device_present():
    config.available_features.add("cuda-device")
for name in ["FFF_CUDA_DRIVER", "FFF_CUDA_DEVICE"]:
    if name in os.environ:
        config.environment[name] = os.environ[name]
