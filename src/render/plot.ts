// Plots: a Vega-Lite spec, and the same drawn to SVG here (headless vega) for frontends and
// files that do not run Vega. vega and vega-lite are ES modules: loaded with import().
import type { MimeBundle } from '../../kernel/interpreter';

/** A Vega-Lite (v5 schema) specification, as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

// The little of their APIs used here (their own types are ESM-only, out of reach of this CommonJS build).
interface VegaView {
  toSVG(): Promise<string>;
  finalize(): void;
  change(name: string, changes: unknown): VegaView;
  runAsync(): Promise<VegaView>;
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: 'none' }) => VegaView;
  changeset(): { remove(f: () => boolean): { insert(rows: unknown[]): unknown } };
}
interface VegaLite {
  compile(spec: unknown): { spec: unknown };
}

let modules: Promise<[Vega, VegaLite]> | undefined;

/**
 * Views already parsed, by their spec less its data: parsing and compiling cost far more
 * than drawing (tens of ms against a few), and a command draws the same kind of plot each time.
 */
const views = new Map<string, VegaView>();
const VIEWS_KEPT = 8;
let drawing: Promise<unknown> = Promise.resolve();

/** The spec drawn as an SVG document. */
export function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // One drawing at a time: a cached view is changed in place.
  const next = drawing.then(() => draw(spec));
  drawing = next.catch(() => undefined);
  return next;
}

async function draw(spec: VegaLiteSpec): Promise<string> {
  modules ??= Promise.all([import('vega') as Promise<unknown> as Promise<Vega>, import('vega-lite') as Promise<unknown> as Promise<VegaLite>]);
  const [vega, vl] = await modules;
  const data = spec.data as { values?: unknown[] } | undefined;
  if (!Array.isArray(data?.values)) {
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  }
  const template = { ...spec, data: { name: 'values' } };
  const key = JSON.stringify(template);
  let view = views.get(key);
  if (!view) {
    view = new vega.View(vega.parse(vl.compile(template).spec), { renderer: 'none' });
    views.set(key, view);
    if (views.size > VIEWS_KEPT) {
      const [oldest] = views.keys();
      views.get(oldest)!.finalize();
      views.delete(oldest);
    }
  }
  // Vega annotates the rows it holds: give it copies.
  view.change('values', vega.changeset().remove(() => true).insert(data.values.map((r) => ({ ...(r as object) }))));
  await view.runAsync();
  return view.toSVG();
}

/** The MIME entries of a plot: the Vega-Lite spec and its pre-rendered SVG. */
export async function plotEntries(spec: VegaLiteSpec): Promise<MimeBundle> {
  const full = { $schema: VEGA_LITE_SCHEMA, ...spec };
  return { 'application/vnd.vegalite.v5+json': full, 'image/svg+xml': await renderSvg(full) };
}
