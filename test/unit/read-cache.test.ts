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

  it("shares one load among the requests that arrive while it runs, and keeps no failed one", async () => {
    let finish!: (v: string) => void;
    const load = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    const waiting = [readThrough("shared", load, 0), readThrough("shared", load, 1), readThrough("shared", load, 2)];
    finish("v");
    expect(await Promise.all(waiting)).toEqual(["v", "v", "v"]);
    expect(load).toHaveBeenCalledTimes(1);

    const failing = vi.fn(async () => {
      throw new Error("KV is down");
    });
    await expect(readThrough("failing", failing, 0)).rejects.toThrow("KV is down");
    await expect(readThrough("failing", failing, 1)).rejects.toThrow("KV is down");
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it("does not keep a load that a write forgot while it ran", async () => {
    let finish!: (v: string) => void;
    const stale = readThrough("written", () => new Promise<string>((resolve) => (finish = resolve)), 0);
    forget("written");
    finish("old");
    expect(await stale).toBe("old");
    expect(await readThrough("written", async () => "new", 1)).toBe("new");
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
