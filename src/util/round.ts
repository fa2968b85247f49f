/**
 * Round half to even, as numpy's np.round and Python 3's round() do. Math.round rounds halves up,
 * which changes RegNet widths at exact ties (e.g. 2.5 -> 2, not 3).
 */
export function roundHalfEven(x: number): number {
  if (Math.abs(x % 1) === 0.5) return 2 * Math.round(x / 2);
  return Math.round(x);
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** Least common multiple of two positive integers (numpy's np.lcm). */
export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
