/** The median of repeated timings (the upper middle for an even count), as every benchmark reports them. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
