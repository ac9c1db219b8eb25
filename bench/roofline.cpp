// fff-roofline: this machine's single-core limits, printed as JSON.
//
//   taskset -c 1 fff-roofline [--mem-mib 512] [--min-time 0.05] [--repeats 7]
//
// It measures the fp32 FMA peak (independent vector FMA chains, the widest
// vectors the compiler was allowed: AVX-512, AVX2 + FMA or SSE2) and the read
// bandwidth of buffers of several sizes (vector loads into 8 accumulators,
// median of repeats), and records the cache sizes, the CPU model and an
// estimate of the core clock. bench/roofline.py turns the figures into bounds
// for the benchmarked layers. Single thread: the caller pins it. No MLIR.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <sched.h>
#include <unistd.h>

#if defined(__AVX512F__)
#include <immintrin.h>
using Vec = __m512;
static const char *kIsa = "AVX-512";
static Vec vset1(float x) { return _mm512_set1_ps(x); }
static Vec vload(const float *p) { return _mm512_load_ps(p); }
static Vec vadd(Vec a, Vec b) { return _mm512_add_ps(a, b); }
static Vec vfma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
static const int kFmaFlops = 2; // one fused multiply-add per lane
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
using Vec = __m256;
static const char *kIsa = "AVX2+FMA";
static Vec vset1(float x) { return _mm256_set1_ps(x); }
static Vec vload(const float *p) { return _mm256_load_ps(p); }
static Vec vadd(Vec a, Vec b) { return _mm256_add_ps(a, b); }
static Vec vfma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
static const int kFmaFlops = 2;
#elif defined(__SSE2__)
#include <emmintrin.h>
using Vec = __m128;
static const char *kIsa = "SSE2 (no FMA: multiply + add)";
static Vec vset1(float x) { return _mm_set1_ps(x); }
static Vec vload(const float *p) { return _mm_load_ps(p); }
static Vec vadd(Vec a, Vec b) { return _mm_add_ps(a, b); }
static Vec vfma(Vec a, Vec b, Vec c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
static const int kFmaFlops = 2; // still two flops per lane, in two instructions
#else
#error "fff-roofline needs x86 SSE2, AVX2+FMA or AVX-512"
#endif

static const int kLanes = sizeof(Vec) / sizeof(float);

static float hsum(Vec v) {
  alignas(64) float lanes[sizeof(Vec) / sizeof(float)];
  std::memcpy(lanes, &v, sizeof v);
  float s = 0;
  for (float x : lanes)
    s += x;
  return s;
}

static double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static volatile float g_sink;

// Runs `step(count)` once to calibrate, then `repeats` times with a count
// that lasts at least min_time; returns work/second of each repeat.
template <typename Step>
static std::vector<double> rates(Step step, double work_per_count, double min_time,
                                 int repeats) {
  long count = 1;
  for (;;) { // grow until one run lasts min_time / 4, then scale up
    double t0 = now();
    step(count);
    double t = now() - t0;
    if (t >= min_time / 4) {
      count = std::max(1L, long(count * min_time / t));
      break;
    }
    count *= 4;
  }
  std::vector<double> r;
  for (int i = 0; i < repeats; ++i) {
    double t0 = now();
    step(count);
    r.push_back(work_per_count * count / (now() - t0));
  }
  return r;
}

// N independent FMA chains: enough of them hide the FMA latency
// (latency x pipes ~ 8 on current x86), too many spill registers.
template <int N> static void fma_chains(long iters) {
  Vec acc[N];
  volatile float mv = 0.999999f, cv = 1e-6f; // opaque to the optimizer
  Vec m = vset1(mv), c = vset1(cv);
  for (int j = 0; j < N; ++j)
    acc[j] = vset1(float(j));
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < N; ++j)
      acc[j] = vfma(acc[j], m, c);
  Vec s = acc[0];
  for (int j = 1; j < N; ++j)
    s = vadd(s, acc[j]);
  g_sink = hsum(s);
}

struct Stat {
  double med, lo, hi;
};
static Stat stat(const std::vector<double> &r) {
  return {median(r), *std::min_element(r.begin(), r.end()),
          *std::max_element(r.begin(), r.end())};
}

template <int N> static Stat fma_peak(double min_time, int repeats) {
  return stat(rates(fma_chains<N>, 1e-9 * kFmaFlops * kLanes * N, min_time, repeats));
}

// `count` passes over n floats: 8 accumulators of vector loads, 8 vectors
// per step, reduced once at the end so that small (L1) buffers measure loads
// rather than the reduction. The empty asm makes the pointer opaque, so that
// the compiler cannot merge identical passes.
static const int kUnroll = 8;
static void read_passes(const float *p, size_t n, long count) {
  Vec acc[kUnroll];
  for (int j = 0; j < kUnroll; ++j)
    acc[j] = vset1(0);
  for (long pass = 0; pass < count; ++pass) {
    asm volatile("" : "+r"(p));
    for (size_t i = 0; i < n; i += kUnroll * kLanes)
      for (int j = 0; j < kUnroll; ++j)
        acc[j] = vadd(acc[j], vload(p + i + j * kLanes));
  }
  Vec s = acc[0];
  for (int j = 1; j < kUnroll; ++j)
    s = vadd(s, acc[j]);
  g_sink = hsum(s);
}

static Stat read_bandwidth(const float *buf, size_t bytes, double min_time, int repeats) {
  size_t n = bytes / sizeof(float);
  auto passes = [&](long count) { read_passes(buf, n, count); };
  passes(1); // warm the level the buffer fits in
  return stat(rates(passes, 1e-9 * bytes, min_time, repeats));
}

// Dependent integer adds run one per cycle on every x86 core: adds per
// second estimate the clock the core runs at under this load. The fastest
// repeat is the estimate: being descheduled only ever slows a repeat down.
static double clock_ghz(double min_time, int repeats) {
  auto adds = [](long count) {
    uint64_t x = 0;
    for (long i = 0; i < count; ++i)
      asm volatile(".rept 100\n\tadd $1, %0\n\t.endr" : "+r"(x));
    g_sink = float(x);
  };
  std::vector<double> r = rates(adds, 1e-9 * 100, min_time, repeats);
  return *std::max_element(r.begin(), r.end());
}

static std::string read_line(const std::string &path) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  return s;
}

static std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) {
      size_t c = line.find(':');
      return c == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", c + 1));
    }
  return "unknown";
}

// "32K" / "1024K" / "32768K" as /sys writes them, in bytes.
static long parse_size(const std::string &s) {
  if (s.empty())
    return 0;
  long v = std::atol(s.c_str());
  char u = s.back();
  return u == 'K' ? v << 10 : u == 'M' ? v << 20 : v;
}

static std::string json_str(const std::string &s) {
  std::string o = "\"";
  for (char c : s)
    o += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return o + "\"";
}

static void print_stat(const char *key, Stat s, const char *end) {
  std::printf("\"%s\": {\"median\": %.2f, \"min\": %.2f, \"max\": %.2f}%s", key, s.med, s.lo,
              s.hi, end);
}

int main(int argc, char **argv) {
  long mem_mib = 512;
  double min_time = 0.05;
  int repeats = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--mem-mib")
      mem_mib = std::atol(argv[i + 1]);
    else if (a == "--min-time")
      min_time = std::atof(argv[i + 1]);
    else if (a == "--repeats")
      repeats = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--mem-mib N] [--min-time S] [--repeats N]\n", argv[0]);
      return 2;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "%s: option %s has no value\n", argv[0], argv[argc - 1]);
    return 2;
  }

  int cpu = sched_getcpu();
  cpu_set_t set;
  sched_getaffinity(0, sizeof set, &set);

  std::printf("{\n\"cpu\": %s,\n\"isa\": %s,\n\"vector_bits\": %d,\n", json_str(cpu_model()).c_str(),
              json_str(kIsa).c_str(), int(8 * sizeof(Vec)));
  std::printf("\"compiler\": %s,\n\"threads\": 1,\n\"cpu_index\": %d,\n\"cpus_allowed\": %d,\n",
              json_str(__VERSION__).c_str(), cpu, CPU_COUNT(&set));

  // The cache hierarchy of the CPU this runs on, from /sys (what the kernel
  // was told), and what sysconf says (glibc's CPUID reading, which can
  // disagree under a hypervisor).
  std::printf("\"caches\": [");
  const char *sep = "";
  for (int i = 0; i < 8; ++i) {
    std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu < 0 ? 0 : cpu) +
                      "/cache/index" + std::to_string(i) + "/";
    std::string level = read_line(dir + "level");
    if (level.empty())
      break;
    std::printf("%s{\"level\": %s, \"type\": %s, \"bytes\": %ld, \"shared_cpus\": %s}", sep,
                level.c_str(), json_str(read_line(dir + "type")).c_str(),
                parse_size(read_line(dir + "size")),
                json_str(read_line(dir + "shared_cpu_list")).c_str());
    sep = ", ";
  }
  std::printf("],\n\"sysconf_caches\": {\"L1d\": %ld, \"L2\": %ld, \"L3\": %ld},\n",
              sysconf(_SC_LEVEL1_DCACHE_SIZE), sysconf(_SC_LEVEL2_CACHE_SIZE),
              sysconf(_SC_LEVEL3_CACHE_SIZE));
  std::fflush(stdout);

  std::printf("\"clock_ghz_estimate\": %.3f,\n", clock_ghz(min_time, repeats));

  // FMA peak against the number of chains: the best is the peak.
  std::printf("\"fma_gflops_by_chains\": {");
  Stat by[4] = {fma_peak<4>(min_time, repeats), fma_peak<8>(min_time, repeats),
                fma_peak<12>(min_time, repeats), fma_peak<16>(min_time, repeats)};
  const int chains[4] = {4, 8, 12, 16};
  int best = 0;
  for (int i = 0; i < 4; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "%d", chains[i]);
    print_stat(key, by[i], i < 3 ? ", " : "},\n");
    if (by[i].med > by[best].med)
      best = i;
  }
  std::printf("\"fma_chains\": %d,\n", chains[best]);
  print_stat("fma_peak_gflops", by[best], ",\n");
  std::fflush(stdout);

  // Read bandwidth: one buffer, its prefixes for the smaller sizes. Sizes
  // sit well inside L1 (16, 32 KiB), L2 (256, 512 KiB) and L3 (4, 16 MiB) of
  // current x86 cores, and far beyond any L3 for memory; bench/roofline.py
  // assigns each to a level from the sizes above, not from these guesses.
  std::vector<size_t> sizes = {16 << 10, 32 << 10, 256 << 10, 512 << 10, 4 << 20, 16 << 20};
  sizes.push_back(size_t(mem_mib) << 20);
  size_t biggest = *std::max_element(sizes.begin(), sizes.end());
  float *buf = static_cast<float *>(std::aligned_alloc(64, biggest));
  if (!buf) {
    std::fprintf(stderr, "cannot allocate %zu bytes\n", biggest);
    return 1;
  }
  for (size_t i = 0; i < biggest / sizeof(float); ++i) // touch every page
    buf[i] = 1.0f / float(1 + (i & 1023));
  std::printf("\"read_bandwidth\": [\n");
  for (size_t k = 0; k < sizes.size(); ++k) {
    std::printf("  {\"bytes\": %zu, ", sizes[k]);
    print_stat("gbps", read_bandwidth(buf, sizes[k], min_time, repeats),
               k + 1 < sizes.size() ? "},\n" : "}\n");
    std::fflush(stdout);
  }
  std::printf("],\n\"repeats\": %d,\n\"min_time_s\": %g\n}\n", repeats, min_time);
  std::free(buf);
  return 0;
}
