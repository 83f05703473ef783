// A small seeded PRNG and the draws the canary simulation needs. sfc32 (Chris Doty-Humphrey's
// Small Fast Counter, 128-bit state) seeded through splitmix32: fast, good statistical quality,
// identical sequences on every platform for the same seed.

export interface Random {
  /** uniform in [0, 1) */
  next(): number;
  normal(): number;
  poisson(mean: number): number;
  binomial(n: number, p: number): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRandom(seed: number): Random {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  let spare: number | undefined;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // Marsaglia polar method
    for (;;) {
      const u = 2 * next() - 1;
      const v = 2 * next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * f;
        return u * f;
      }
    }
  };
  const poisson = (mean: number): number => {
    if (!(mean > 0)) return 0;
    if (mean < 30) {
      // inversion by sequential search
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = next();
      while (u > cdf && k < 1000) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    }
    // normal approximation with continuity correction (relative error of the tails negligible here)
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
  };
  const binomial = (n: number, p: number): number => {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const flip = p > 0.5;
    const q = flip ? 1 - p : p;
    let k: number;
    if (n * q < 1e-12) {
      k = 0;
    } else if (n * q < 30) {
      // inversion by sequential search of the CDF (one uniform per draw)
      const u = next();
      const r = q / (1 - q);
      let pk = Math.exp(n * Math.log1p(-q));
      let cdf = pk;
      k = 0;
      while (u > cdf && k < n) {
        pk *= ((n - k) / (k + 1)) * r;
        k++;
        cdf += pk;
        if (pk < 1e-300 && cdf < u) break; // only rounding left
      }
    } else {
      k = Math.min(n, Math.max(0, Math.round(n * q + Math.sqrt(n * q * (1 - q)) * normal())));
    }
    return flip ? n - k : k;
  };
  return { next, normal, poisson, binomial };
}
