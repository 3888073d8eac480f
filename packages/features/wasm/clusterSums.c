// The per-cluster feature sums of k-means' update step (lloyd in src/kmeans.ts), in WebAssembly
// SIMD: for each point in order, its float32 features are added in float64 to the sums of its
// cluster — the same additions in the same order as the TypeScript loop, two lanes at a time,
// so the same bits. Built by tools/wasm/build.sh into src/internal/clusterSumsWasmModule.ts.
#include <wasm_simd128.h>

/** sums[c*dim + j] = sum over points i with labels[i] == c of x[i*dim + j] (sums zeroed here). */
__attribute__((export_name("cluster_sums")))
void cluster_sums(const float *x, int n, int dim, const int *labels, double *sums, int k) {
  for (int i = 0; i < k * dim; i++) sums[i] = 0;
  for (int i = 0; i < n; i++) {
    double *s = sums + labels[i] * dim;
    const float *xi = x + i * dim;
    int j = 0;
    for (; j + 3 < dim; j += 4) {
      const v128_t x4 = wasm_v128_load(xi + j);
      const v128_t lo = wasm_f64x2_promote_low_f32x4(x4);
      const v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x4, x4, 2, 3, 0, 1));
      wasm_v128_store(s + j, wasm_f64x2_add(wasm_v128_load(s + j), lo));
      wasm_v128_store(s + j + 2, wasm_f64x2_add(wasm_v128_load(s + j + 2), hi));
    }
    for (; j < dim; j++) s[j] += xi[j];
  }
}
