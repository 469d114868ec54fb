import { describe, expect, it, vi } from "vitest";
import { READ_TTL_MS, forget, readThrough } from "../../src/store/read-cache.ts";

describe("readThrough", () => {
  it("serves a value for READ_TTL_MS, then loads it again; forget drops it at once", async () => {
    const load = vi.fn(async () => "v");
    const t0 = 1_000_000;
    expect(await readThrough("k", load, t0)).toBe("v");
    expect(await readThrough("k", load, t0 + READ_TTL_MS - 1)).toBe("v");
    expect(load).toHaveBeenCalledTimes(1);
    expect(await readThrough("k", load, t0 + READ_TTL_MS)).toBe("v");
    expect(load).toHaveBeenCalledTimes(2);
    forget("k");
    await readThrough("k", load, t0 + READ_TTL_MS);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("stays bounded", async () => {
    const load = vi.fn(async () => 1);
    for (let i = 0; i < 600; i++) await readThrough(`key-${i}`, load, 0);
    await readThrough("key-0", load, 0);
    expect(load).toHaveBeenCalledTimes(601);
    await readThrough("key-599", load, 0);
    expect(load).toHaveBeenCalledTimes(601);
  });
});
