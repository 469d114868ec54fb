// What moving a large body costs workerd, apart from any code of ours: a bare Worker answering a constant body
// of a given size (sent as our gzipped bodies are: `Content-Encoding: gzip`, `encodeBody: "manual"`), measured
// against its own constant answer like a read. A read that large cannot do better than this on the same machine:
// it is the floor the conference's event JSON is shown beside.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { type ReadRoute, buildReadRow, measurePaired } from "./reads.ts";
import { type Row, formatSize } from "./table.ts";

const SCRIPT = `
let body;
export default {
  fetch(request, env) {
    if (new URL(request.url).pathname !== "/body") return Response.json({ status: "ok" });
    body ??= new Uint8Array(env.BYTES).map((_, i) => (i * 2654435761) >>> 24);
    return new Response(body, {
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      encodeBody: "manual",
    });
  },
};`;

export async function benchByteFloor(
  section: string,
  bytes: number,
  connectionCounts: number[],
  seconds: number,
): Promise<Row[]> {
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
    const url = (await mf.ready).origin;
    const route: ReadRoute = { name: "body", path: "/body", status: 200 };
    const rows: Row[] = [];
    for (const connections of connectionCounts) {
      const { constant, load, firstMs } = await measurePaired(url, route, connections, seconds);
      const name = `floor: a bare Worker answering ${formatSize(bytes)}, ${connections} conn`;
      rows.push(buildReadRow(section, name, load, constant.rps, false, firstMs));
    }
    return rows;
  } finally {
    await mf.dispose();
  }
}
