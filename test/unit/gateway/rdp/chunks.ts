/** Cuts a buffer at the given offsets (any order, repeats ignored): how a stream may arrive. */
export function splitAt(whole: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts)].filter((p) => p > 0 && p < whole.length).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(whole.subarray(from, point));
    from = point;
  }
  chunks.push(whole.subarray(from));
  return chunks;
}
