// The fused AAAM + distance kernel of @vit/attention (spatialKernel in src/internal/kernels.ts)
// for one (image, head) block, in WebAssembly SIMD. It performs the same floating-point
// operations in the same order as the TypeScript kernel — the even/odd column sums become the
// two lanes of one f64x2 — so both give the same bits; only the loads and the window updates
// run two (or four) at a time. Built by tools/wasm/build.sh into src/internal/spatialWasmModule.ts.
#include <wasm_simd128.h>

#define REL 1e-6

/**
 * Window sums of one block: `blk` holds its T rows of T float32 (row q at blk + q*T), `corner`
 * the window offset of each spatial query, `win` receives the (2gh-1)*(2gw-1) float64 window
 * (zeroed here), `ss` / `sp` each spatial row's spatial sum and prefix mass (float64), for the
 * caller's checks and counts. Null rows (ss == 0) add nothing.
 */
__attribute__((export_name("spatial_block")))
void spatial_block(const float *blk, int T, int P, int gh, int gw, const int *corner, double *win, double *ss_out, double *sp_out) {
  const int Ww = 2 * gw - 1;
  const int W = (2 * gh - 1) * Ww;
  const int N = gh * gw;
  for (int x = 0; x < W; x++) win[x] = 0;
  int guess = 1;
  for (int q = 0; q < N; q++) {
    const float *row = blk + (P + q) * T;
    double sp = 0;
    for (int k = 0; k < P; k++) sp += row[k];
    const float *s0 = row + P;
    const double rest = 1 - sp;
    double ss;
    if (guess && rest > 1e-3) {
      // One read per element: add with the provisional scale 1/(1 - prefix mass), check after.
      const double inv0 = 1 / rest;
      const v128_t vi = wasm_f64x2_splat(inv0);
      v128_t eo = wasm_f64x2_splat(0); // lane 0: even columns (e), lane 1: odd columns (o)
      double *w = win + corner[q];
      const float *a = s0;
      for (int r = 0; r < gh; r++, w += Ww, a += gw) {
        int c = 0;
        for (; c + 3 < gw; c += 4) {
          const v128_t x4 = wasm_v128_load(a + c);
          const v128_t lo = wasm_f64x2_promote_low_f32x4(x4);
          const v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x4, x4, 2, 3, 0, 1));
          eo = wasm_f64x2_add(eo, lo);
          eo = wasm_f64x2_add(eo, hi);
          wasm_v128_store(w + c, wasm_f64x2_add(wasm_v128_load(w + c), wasm_f64x2_mul(lo, vi)));
          wasm_v128_store(w + c + 2, wasm_f64x2_add(wasm_v128_load(w + c + 2), wasm_f64x2_mul(hi, vi)));
        }
        for (; c + 1 < gw; c += 2) {
          const v128_t x2 = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(a + c));
          eo = wasm_f64x2_add(eo, x2);
          wasm_v128_store(w + c, wasm_f64x2_add(wasm_v128_load(w + c), wasm_f64x2_mul(x2, vi)));
        }
        if (c < gw) {
          const double x = a[c];
          eo = wasm_f64x2_replace_lane(eo, 0, wasm_f64x2_extract_lane(eo, 0) + x);
          w[c] += x * inv0;
        }
      }
      ss = wasm_f64x2_extract_lane(eo, 0) + wasm_f64x2_extract_lane(eo, 1);
      const double inv = 1 / ss;
      const double rel = ss * inv0 - 1;
      if ((rel > REL || rel < -REL) && ss != 0) {
        // Correct this row to the exact scale 1/ss and stop guessing for this head.
        guess = 0;
        const double fix = inv - inv0;
        w = win + corner[q];
        a = s0;
        for (int r = 0; r < gh; r++, w += Ww, a += gw)
          for (int c = 0; c < gw; c++) w[c] += a[c] * fix;
      }
    } else {
      // Four partial sums (k mod 4), as the TypeScript kernel keeps them.
      double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
      int k = 0;
      for (; k + 3 < N; k += 4) {
        s1 += s0[k];
        s2 += s0[k + 1];
        s3 += s0[k + 2];
        s4 += s0[k + 3];
      }
      for (; k < N; k++) s1 += s0[k];
      ss = s1 + s2 + (s3 + s4);
      const double inv = 1 / ss;
      if (ss != 0 && ss - ss == 0) {
        double *w = win + corner[q];
        const float *a = s0;
        for (int r = 0; r < gh; r++, w += Ww, a += gw)
          for (int c = 0; c < gw; c++) w[c] += a[c] * inv;
      }
    }
    ss_out[q] = ss;
    sp_out[q] = sp;
  }
}
