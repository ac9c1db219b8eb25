// "1,16,128" -> {1, 16, 128}: the --batches lists of fff-bench and
// fff-gpu-bench (bench/gpu/).
#ifndef FFF_BENCH_PARSE_LIST_H
#define FFF_BENCH_PARSE_LIST_H

#include <cstdint>
#include <string>
#include <vector>

namespace fffbench {
inline std::vector<int64_t> parseList(const std::string &text) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    out.push_back(std::stoll(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}
} // namespace fffbench

#endif // FFF_BENCH_PARSE_LIST_H
