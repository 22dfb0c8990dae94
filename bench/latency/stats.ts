/** The units, medians and rounding the latency benchmark reports with. */
export const GIB = 2 ** 30;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
export const round1 = (n: number) => Math.round(n * 10) / 10;
