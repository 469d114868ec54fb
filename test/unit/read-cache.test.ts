import { describe, expect, it, vi } from "vitest";
import { READ_TTL_MS, forget, forgetAll, readThrough } from "../../src/store/read-cache.ts";

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

describe("readThrough under load", () => {
  it("shares one load among concurrent misses", async () => {
    let release!: (v: string) => void;
    const load = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const reads = Array.from({ length: 10 }, () => readThrough("shared", load, 0));
    release("v");
    expect(await Promise.all(reads)).toEqual(Array(10).fill("v"));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("serves the expired value while one refresh runs, and hands the refresh the previous value", async () => {
    const previous: (string | undefined)[] = [];
    let release!: (v: string) => void;
    const load = vi.fn((before: string | undefined) => {
      previous.push(before);
      return before === undefined ? Promise.resolve("v1") : new Promise<string>((resolve) => (release = resolve));
    });
    expect(await readThrough("stale", load, 0)).toBe("v1");
    const later = READ_TTL_MS + 1;
    expect(await Promise.all([1, 2, 3].map(() => readThrough("stale", load, later)))).toEqual(["v1", "v1", "v1"]);
    expect(load).toHaveBeenCalledTimes(2);
    expect(previous).toEqual([undefined, "v1"]);
    release("v2");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await readThrough("stale", load, later)).toBe("v2");
  });

  it("does not keep what a load read before the key was forgotten", async () => {
    let release!: (v: string) => void;
    const load = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const read = readThrough("raced", load, 0);
    forget("raced"); // a publish in this isolate wrote the key meanwhile
    release("old");
    expect(await read).toBe("old");
    const fresh = vi.fn(async () => "new");
    expect(await readThrough("raced", fresh, 0)).toBe("new");
  });

  it("stays within its byte budget", async () => {
    const big = vi.fn(async () => "x");
    for (let i = 0; i < 5; i++) await readThrough(`big-${i}`, big, 0, () => 10 * 1024 * 1024);
    await readThrough("big-0", big, 0, () => 10 * 1024 * 1024);
    expect(big).toHaveBeenCalledTimes(6); // 32 MiB hold three of them: the first went
    await readThrough("big-4", big, 0, () => 10 * 1024 * 1024);
    expect(big).toHaveBeenCalledTimes(6);
  });
});

describe("readThrough when a load never settles (its request went away)", () => {
  it("lets a waiter read for itself after a second, and starts a refresh again after READ_TTL_MS", async () => {
    const never = vi.fn(() => new Promise<string>(() => {}));
    void readThrough("orphan", never, 0);
    const own = vi.fn(async () => "own");
    const started = Date.now();
    expect(await readThrough("orphan", own, 0)).toBe("own");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    forgetAll();
    await readThrough("stuck", async () => "v1", 0);
    const stuck = vi.fn(() => new Promise<string>(() => {}));
    expect(await readThrough("stuck", stuck, READ_TTL_MS)).toBe("v1");
    expect(await readThrough("stuck", stuck, READ_TTL_MS + 1)).toBe("v1");
    expect(stuck).toHaveBeenCalledTimes(1);
    const fresh = vi.fn(async () => "v2");
    await readThrough("stuck", fresh, 2 * READ_TTL_MS);
    expect(fresh).toHaveBeenCalledTimes(1);
  });
});
