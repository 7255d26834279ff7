// Mermaid's own parser over diagrams given on standard input, for losscli's tests.
//
// Input: a JSON list of diagram texts. Output: a JSON list, one record per diagram:
// {"ok": true, "type": ..., "data": ...} (data: an xychart's title, axes and plots as
// Mermaid's parser read them) or {"ok": false, "error": "..."}.
// mermaid.parse needs a DOM (DOMPurify sanitizes labels): jsdom provides one.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["DOMParser", "Element", "HTMLElement", "Node", "DocumentFragment"]) {
  globalThis[name] = dom.window[name];
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const out = [];
for (const text of texts) {
  try {
    const parsed = await mermaid.parse(text);
    const record = { ok: true, type: parsed.diagramType };
    if (parsed.diagramType === "xychart") {
      const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
      const data = diagram.db.getXYChartData();
      record.data = {
        title: diagram.db.getDiagramTitle(),
        orientation: diagram.db.getChartConfig().chartOrientation,
        xAxis: data.xAxis,
        yAxis: data.yAxis,
        plots: data.plots.map((p) => ({ type: p.type, title: p.title, data: p.data })),
      };
    }
    out.push(record);
  } catch (error) {
    out.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(out));
