# lit configuration for fff-mlir's IR tests (test/) .
import os

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
tools = ["fff-opt", "fff-compile", "mlir-opt", "mlir-runner", "llvm-nm", "llvm-readobj", "not", "count", "split-file",
         ToolSubst("%PYTHON", config.python_executable, unresolved="ignore")]
llvm_config.add_tool_substitutions(tools, tool_dirs)
config.substitutions.append(("%fff_src_root", config.fff_src_root))

# Runtime support libraries for mlir-runner (printMemrefF32, ...), shipped
# next to the LLVM tools by Debian's mlir-22-tools.
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
for name in ["mlir_runner_utils", "mlir_c_runner_utils"]:
    config.substitutions.append(
        ("%" + name, os.path.join(llvm_lib_dir, "lib" + name + ".so")))
