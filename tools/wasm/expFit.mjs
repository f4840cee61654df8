// Fits the polynomial of the KL kernel's e^r (tools/wasm/klKernel.mjs): e^r ≈ 1 + r + r²·P(r) on
// |r| ≤ ln2/2, P of degree `--degree` (default 3), minimising the largest relative error by Lawson's
// iteratively reweighted least squares on Chebyshev points. Prints the float32 coefficients, lowest first,
// and the largest relative error they give. Usage: node tools/wasm/expFit.mjs [--degree N]
const at = process.argv.indexOf('--degree');
const degree = at >= 0 ? Number(process.argv[at + 1]) : 3;
const m = degree + 1;
const h = Math.log(2) / 2,
  N = 2000;
const xs = Array.from({ length: N }, (_, i) => h * Math.cos((Math.PI * (i + 0.5)) / N));
const P = (c, r) => c.reduceRight((acc, ci) => acc * r + ci, 0);
const relError = (c, r) => Math.abs((1 + r + r * r * P(c, r)) / Math.exp(r) - 1);

/** Solves A x = b by Gaussian elimination with partial pivoting (A is m×m, small). */
function solve(A, b) {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    let p = i;
    for (let k = i + 1; k < n; k++) if (Math.abs(A[k][i]) > Math.abs(A[p][i])) p = k;
    [A[i], A[p]] = [A[p], A[i]];
    [b[i], b[p]] = [b[p], b[i]];
    for (let k = i + 1; k < n; k++) {
      const f = A[k][i] / A[i][i];
      for (let c = i; c < n; c++) A[k][c] -= f * A[i][c];
      b[k] -= f * b[i];
    }
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let c = i + 1; c < n; c++) s -= A[i][c] * x[c];
    x[i] = s / A[i][i];
  }
  return x;
}

let w = xs.map(() => 1 / N),
  c = [];
for (let it = 0; it < 300; it++) {
  // Weighted least squares of the relative error (1 + r + r²P(r) − e^r) / e^r.
  const A = Array.from({ length: m }, () => new Array(m).fill(0)),
    b = new Array(m).fill(0);
  xs.forEach((r, i) => {
    const e = Math.exp(r),
      basis = Array.from({ length: m }, (_, j) => r ** (j + 2) / e),
      y = (e - 1 - r) / e;
    for (let a = 0; a < m; a++) {
      b[a] += w[i] * basis[a] * y;
      for (let k = 0; k < m; k++) A[a][k] += w[i] * basis[a] * basis[k];
    }
  });
  c = solve(A, b);
  const err = xs.map((r) => relError(c, r));
  const total = err.reduce((s, e, i) => s + w[i] * e, 0);
  w = w.map((wi, i) => (wi * err[i]) / total);
}
const f32 = c.map((x) => Math.fround(x));
console.log(`P(r) coefficients, r^0 first: ${f32.map((x) => x.toPrecision(10)).join(', ')}`);
console.log(
  `largest relative error of 1 + r + r²·P(r) on |r| ≤ ln2/2: ${Math.max(...xs.map((r) => relError(f32, r))).toExponential(3)}`,
);
