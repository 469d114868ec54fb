// Seeded pseudo-random streams for the soak, shared by the harness (Node) and the fault-injecting Worker entry.
// One stream per purpose (traffic, each fault kind, the mail provider), so that changing one rate does not
// shift the draws of the others: the same --seed gives the same traffic and the same fault sequence per kind.

/** A 32-bit FNV-1a hash: turns (seed, stream name) into a stream's starting state. */
function hashSeed(seed: number, stream: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough to decide faults and shuffle traffic; returns [0, 1). */
export function buildRandom(seed: number, stream: string): () => number {
  let state = hashSeed(seed, stream);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
