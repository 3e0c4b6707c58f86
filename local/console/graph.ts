/**
 * The state graph of an ASL definition as inline SVG, like the Step
 * Functions console's graph view: states in layers from StartAt, transitions
 * as arrows, loops routed along the right edge; the path an execution took
 * and the state it is in now highlighted. Generic: it reads ASL, not sales.
 */
import { esc } from './html';

type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphNode {
  name: string;
  type: string;
  rank: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** Catch of States.ALL (drawn only when taken, or every task would point at the error handler). */
  catchAll: boolean;
  back: boolean;
  /** Choice rules: the condition (JSONata, without the {% %}); 'Default' for the default branch. */
  label?: string;
}

export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

interface AslState {
  Type?: unknown;
  Next?: unknown;
  Default?: unknown;
  Choices?: unknown;
  Catch?: unknown;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The transitions of a definition's top-level states. */
function aslEdges(definition: unknown): { start: string; states: Map<string, string>; edges: Omit<GraphEdge, 'back'>[] } {
  const def = asRecord(definition);
  const statesObj = asRecord(def.States);
  const states = new Map<string, string>();
  const edges: Omit<GraphEdge, 'back'>[] = [];
  for (const [name, raw] of Object.entries(statesObj)) {
    const s = asRecord(raw) as AslState;
    states.set(name, typeof s.Type === 'string' ? s.Type : '?');
    if (Array.isArray(s.Choices)) {
      for (const c of s.Choices) {
        const rule = asRecord(c);
        const next = rule.Next;
        const condition = typeof rule.Condition === 'string' ? rule.Condition.replace(/^\s*\{%\s*/, '').replace(/\s*%\}\s*$/, '') : undefined;
        if (typeof next === 'string') edges.push({ from: name, to: next, kind: 'choice', catchAll: false, ...(condition !== undefined ? { label: condition } : {}) });
      }
    }
    if (typeof s.Default === 'string') edges.push({ from: name, to: s.Default, kind: 'default', catchAll: false, label: 'Default' });
    if (typeof s.Next === 'string') edges.push({ from: name, to: s.Next, kind: 'next', catchAll: false });
    if (Array.isArray(s.Catch)) {
      for (const c of s.Catch) {
        const rec = asRecord(c);
        const errs = Array.isArray(rec.ErrorEquals) ? rec.ErrorEquals : [];
        if (typeof rec.Next === 'string') edges.push({ from: name, to: rec.Next, kind: 'catch', catchAll: errs.includes('States.ALL') });
      }
    }
  }
  const unique = new Map<string, Omit<GraphEdge, 'back'>>();
  for (const e of edges) {
    const key = `${e.from}\u0000${e.to}`;
    const had = unique.get(key);
    // keep the most visible kind for a pair: a normal transition beats a catch
    if (had === undefined || (had.kind === 'catch' && e.kind !== 'catch') || (had.catchAll && !e.catchAll)) unique.set(key, e);
  }
  return { start: typeof def.StartAt === 'string' ? def.StartAt : '', states, edges: [...unique.values()] };
}

const NODE_W = 230;
const NODE_H = 34;
const GAP_X = 36;
const GAP_Y = 40;
const MARGIN = 20;
const LOOP_LANE = 14;

/** Layers the states (longest path from StartAt over the graph without its loops) and orders each layer. */
export function layoutAsl(definition: unknown): GraphLayout {
  const { start, states, edges } = aslEdges(definition);
  const out = new Map<string, Omit<GraphEdge, 'back'>[]>();
  for (const name of states.keys()) out.set(name, []);
  for (const e of edges) if (states.has(e.to)) out.get(e.from)?.push(e);

  // DFS from StartAt (then any unreached state) to find loop (back) edges.
  const back = new Set<Omit<GraphEdge, 'back'>>();
  const colour = new Map<string, 1 | 2>();
  const order: string[] = [];
  const visit = (root: string): void => {
    const stack: { name: string; i: number }[] = [{ name: root, i: 0 }];
    colour.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const list = out.get(top.name) ?? [];
      // normal transitions first so the main path shapes the layers
      const sorted = [...list].sort((a, b) => Number(a.kind === 'catch') - Number(b.kind === 'catch'));
      if (top.i < sorted.length) {
        const e = sorted[top.i];
        top.i += 1;
        if (e === undefined) continue;
        const c = colour.get(e.to);
        if (c === 1) back.add(e);
        else if (c === undefined) {
          colour.set(e.to, 1);
          stack.push({ name: e.to, i: 0 });
        }
      } else {
        colour.set(top.name, 2);
        order.push(top.name);
        stack.pop();
      }
    }
  };
  if (states.has(start)) visit(start);
  for (const name of states.keys()) if (!colour.has(name)) visit(name);
  const topo = order.reverse();

  const rank = new Map<string, number>();
  for (const name of topo) if (!rank.has(name)) rank.set(name, 0);
  for (const name of topo) {
    const r = rank.get(name) ?? 0;
    for (const e of out.get(name) ?? []) {
      if (back.has(e)) continue;
      if ((rank.get(e.to) ?? 0) < r + 1) rank.set(e.to, r + 1);
    }
  }

  const layers: string[][] = [];
  for (const name of topo) {
    const r = rank.get(name) ?? 0;
    (layers[r] ??= []).push(name);
  }
  // Order layers by the mean position of their predecessors (two sweeps).
  const pos = new Map<string, number>();
  layers.forEach((layer) => layer.forEach((n, i) => pos.set(n, i)));
  const preds = new Map<string, string[]>();
  for (const e of edges) if (!back.has(e) && states.has(e.to)) (preds.get(e.to) ?? preds.set(e.to, []).get(e.to))?.push(e.from);
  for (let sweep = 0; sweep < 2; sweep += 1) {
    for (const layer of layers) {
      const bary = (n: string): number => {
        const ps = preds.get(n) ?? [];
        return ps.length === 0 ? (pos.get(n) ?? 0) : ps.reduce((s, p) => s + (pos.get(p) ?? 0), 0) / ps.length;
      };
      layer.sort((a, b) => bary(a) - bary(b));
      layer.forEach((n, i) => pos.set(n, i));
    }
  }

  const widest = Math.max(1, ...layers.map((l) => l.length));
  const contentW = widest * NODE_W + (widest - 1) * GAP_X;
  const nodes: GraphNode[] = [];
  layers.forEach((layer, r) => {
    const rowW = layer.length * NODE_W + (layer.length - 1) * GAP_X;
    const x0 = MARGIN + (contentW - rowW) / 2;
    layer.forEach((name, i) => {
      nodes.push({ name, type: states.get(name) ?? '?', rank: r, x: x0 + i * (NODE_W + GAP_X), y: MARGIN + r * (NODE_H + GAP_Y), w: NODE_W, h: NODE_H });
    });
  });
  const backCount = [...back].length;
  return {
    nodes,
    edges: edges.filter((e) => states.has(e.to)).map((e) => ({ ...e, back: back.has(e) })),
    width: MARGIN * 2 + contentW + (backCount + 1) * LOOP_LANE,
    height: MARGIN * 2 + layers.length * NODE_H + Math.max(0, layers.length - 1) * GAP_Y,
  };
}

interface Highlight {
  /** States entered, in order (repeats allowed). */
  path: string[];
  /** States the execution is in now. */
  current: string[];
  /** A state where the execution failed. */
  failed?: string;
  /** Every state whose latest attempt failed (caught or not). */
  failedStates?: readonly string[];
  /** Each node a link (a click shows the state's input and output): its href. */
  nodeHref?: (state: string) => string;
}

/** Pairs of consecutive states in the path: the transitions taken. */
function takenTransitions(path: readonly string[]): Set<string> {
  const taken = new Set<string>();
  for (let i = 1; i < path.length; i += 1) taken.add(`${path[i - 1] ?? ''}\u0000${path[i] ?? ''}`);
  return taken;
}

/** A state's name as its node shows it: one line, or two split at a space (a link's visible text must be its whole name). */
function nodeLines(name: string): string[] {
  if (name.length <= 34) return [name];
  const cut = name.lastIndexOf(' ', Math.ceil(name.length / 2));
  // the space stays at the end of the first line, so the two read as the name
  return cut > 0 ? [name.slice(0, cut + 1), name.slice(cut + 1)] : [name];
}

/** The SVG markup of a layout with a highlight. Every name is escaped. */
export function renderGraphSvg(layout: GraphLayout, highlight: Highlight = { path: [], current: [] }): string {
  const byName = new Map(layout.nodes.map((n) => [n.name, n]));
  const visited = new Set(highlight.path);
  const current = new Set(highlight.current);
  const failed = new Set([...(highlight.failedStates ?? []), ...(highlight.failed !== undefined ? [highlight.failed] : [])]);
  const taken = takenTransitions(highlight.path);
  const parts: string[] = [];
  const labels: string[] = [];
  const labelsFrom = new Map<string, number>();
  let lane = 0;
  const laneX0 = Math.max(0, ...layout.nodes.map((n) => n.x + n.w)) + LOOP_LANE;
  for (const e of layout.edges) {
    const a = byName.get(e.from);
    const b = byName.get(e.to);
    if (a === undefined || b === undefined) continue;
    const isTaken = taken.has(`${e.from}\u0000${e.to}`);
    if (e.kind === 'catch' && e.catchAll && !isTaken) continue;
    let d: string;
    if (e.back || b.rank <= a.rank) {
      const x = laneX0 + lane * LOOP_LANE;
      lane += 1;
      const y1 = a.y + a.h / 2;
      const y2 = b.y + b.h / 2;
      d = `M${a.x + a.w},${y1} C${x},${y1} ${x},${y1} ${x},${(y1 + y2) / 2} S${x},${y2} ${b.x + b.w},${y2}`;
    } else {
      const x1 = a.x + a.w / 2;
      const y1 = a.y + a.h;
      const x2 = b.x + b.w / 2;
      const y2 = b.y;
      const my = (y1 + y2) / 2;
      d = b.rank === a.rank + 1 ? `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}` : `M${x1},${y1} C${x1},${y1 + 40} ${x2},${y2 - 40} ${x2},${y2}`;
    }
    const cls = ['edge', `edge-${e.kind}`, isTaken ? 'taken' : ''].filter((c) => c !== '').join(' ');
    const hover = `${esc(e.from)} → ${esc(e.to)}${e.label !== undefined ? `: ${esc(e.label)}` : ''}`;
    parts.push(`<path class="${cls}" d="${d}" marker-end="url(#${isTaken ? 'arrow-taken' : 'arrow'})"><title>${hover}</title></path>`);
    if (e.label !== undefined && !e.back && b.rank > a.rank) {
      const short = e.label.length > 30 ? `${e.label.slice(0, 29)}…` : e.label;
      // Near the source, a third of the way to the target; stacked when one state has several.
      const n = labelsFrom.get(e.from) ?? 0;
      labelsFrom.set(e.from, n + 1);
      const x1 = a.x + a.w / 2;
      const x2 = b.x + b.w / 2;
      const lx = x1 + (x2 - x1) * 0.35 + 4;
      const ly = a.y + a.h + 12 + n * 11;
      labels.push(`<text class="edge-label" x="${lx}" y="${ly}"><title>${hover}</title>${esc(short)}</text>`);
    }
  }
  for (const n of layout.nodes) {
    // the state it waits in now is current even when an earlier attempt failed (a rescued step, run again)
    const state = current.has(n.name) ? 'current' : failed.has(n.name) ? 'failed' : visited.has(n.name) ? 'visited' : 'idle';
    const shape = n.type === 'Choice' ? 'choice' : n.type === 'Succeed' || n.type === 'Fail' ? 'terminal' : n.type === 'Wait' ? 'wait' : 'task';
    const rx = shape === 'terminal' ? n.h / 2 : shape === 'choice' ? 2 : 6;
    const lines = nodeLines(n.name);
    const said = state === 'current' ? ' - current state' : state === 'failed' ? ' - failed' : state === 'visited' ? ' - visited' : '';
    const node =
      `<g class="node node-${shape} ${state}" data-state="${esc(n.name)}">` +
      `<title>${esc(n.name)} (${esc(n.type)})${said}</title>` +
      `<rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="${rx}"/>` +
      `<text x="${n.x + n.w / 2}" y="${n.y + n.h / 2 + 4 - (lines.length - 1) * 7}" text-anchor="middle">${lines
        .map((l, i) => `<tspan x="${n.x + n.w / 2}" dy="${i === 0 ? 0 : 14}">${esc(l)}${i === lines.length - 1 && state === 'failed' ? ' ✕' : ''}</tspan>`)
        .join('')}</text></g>`;
    // the accessible name holds the visible text (the ✕ included), then what the colour says
    // the first current node is a fragment target (the page's "show in the graph")
    const id = state === 'current' && n.name === highlight.current[0] ? ' id="current-node"' : '';
    parts.push(highlight.nodeHref === undefined ? node : `<a${id} href="${esc(highlight.nodeHref(n.name))}" aria-label="${esc(n.name)}${state === 'failed' ? ' ✕' : ''}${said}">${node}</a>`);
  }
  const w = Math.max(layout.width, laneX0 + lane * LOOP_LANE + 10);
  return (
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${layout.height}" viewBox="0 0 ${w} ${layout.height}" ${highlight.nodeHref === undefined ? 'role="img"' : 'role="group"'} aria-label="State machine graph">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#98a2b3"/></marker>` +
    `<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#2e7d32"/></marker></defs>` +
    parts.join('') +
    labels.join('') +
    `</svg>`
  );
}
