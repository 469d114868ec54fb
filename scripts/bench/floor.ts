// What the harness costs apart from any code of ours, measured on a bare Worker against its own constant answer
// (`{"status":"ok"}` on any other GET, as /healthz answers):
// - moving a large body: a constant body of a given size, sent as our gzipped bodies are (`Content-Encoding:
//   gzip`, `encodeBody: "manual"`), measured like a read. A read that large cannot do better than this on the same
//   machine: it is the floor the conference's event JSON is shown beside;
// - taking a POST: any POST is answered 202 `{"status":"queued"}` without its body being read, the floor the
//   webhook acks are shown beside (scripts/bench/webhooks.ts).
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { type ReadRoute, buildReadRow, measurePaired } from "./reads.ts";
import { type Row, formatSize } from "./table.ts";

const SCRIPT = `
let body;
export default {
  fetch(request, env) {
    if (request.method === "POST") return Response.json({ status: "queued", receipt: "floor" }, { status: 202 });
    if (new URL(request.url).pathname !== "/body") return Response.json({ status: "ok" });
    body ??= new Uint8Array(env.BYTES).map((_, i) => (i * 2654435761) >>> 24);
    return new Response(body, {
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      encodeBody: "manual",
    });
  },
};`;

/** Runs `use` against a bare Worker on 127.0.0.1 (its origin), whose /body is `bytes` long. */
export async function withBareWorker<T>(bytes: number, use: (url: string) => Promise<T>): Promise<T> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: SCRIPT,
      bindings: { BYTES: bytes },
      host: "127.0.0.1",
      port: 0,
      compatibilityDate: "2026-11-01",
    }),
  );
  try {
    return await use((await mf.ready).origin);
  } finally {
    await mf.dispose();
  }
}

export function benchByteFloor(
  section: string,
  bytes: number,
  connectionCounts: number[],
  seconds: number,
): Promise<Row[]> {
  return withBareWorker(bytes, async (url) => {
    const route: ReadRoute = { name: "body", path: "/body", status: 200 };
    const rows: Row[] = [];
    for (const connections of connectionCounts) {
      const { constant, load, firstMs } = await measurePaired(url, route, connections, seconds);
      const name = `floor: a bare Worker answering ${formatSize(bytes)}, ${connections} conn`;
      rows.push(buildReadRow(section, name, load, constant.rps, false, firstMs));
    }
    return rows;
  });
}
