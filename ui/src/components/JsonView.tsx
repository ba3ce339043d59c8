// JSON as a highlighted, collapsible tree (the `@uiw/react-json-view` library) where clicking a
// key or a value selects it: its path and value can then be copied. Whatever arrived is hostile:
// text that is not JSON, too large, or nested too deep to draw as a tree is shown as plain,
// wrapped text instead, and long strings are cut in the tree (the selection shows them whole).
import ReactJsonView from "@uiw/react-json-view";
import { useMemo, useState } from "react";

import { CopyButton } from "./CopyButton";

/** Larger texts are shown as text: a tree of them would take seconds to draw. */
export const TREE_LIMIT = 2 * 1024 * 1024;
/** Deeper documents are shown as text (the tree draws one level per nested component). */
export const DEPTH_LIMIT = 64;
/** Documents with more values than this are shown as text (a tree draws every one of them). */
export const NODE_LIMIT = 5000;
/** Of a text shown as text, this much is drawn (the rest is copied, or exported). */
export const TEXT_SHOWN = 256 * 1024;
/** Strings longer than this are cut in the tree. */
const STRING_SHOWN = 160;
/** Texts larger than this start folded below the second level. */
const FOLD_ABOVE = 64 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** How deep a parsed document goes and how many values it holds, counted without recursion
 * (any depth is safe to ask), stopping once either passes its limit. */
export function shapeOf(value: Json, depthLimit: number, nodeLimit: number): { depth: number; nodes: number } {
  let deepest = 0;
  let nodes = 0;
  const stack: [Json, number][] = [[value, 1]];
  while (stack.length > 0) {
    const next = stack.pop();
    if (!next) break;
    const [node, depth] = next;
    nodes += 1;
    if (nodes > nodeLimit) break;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > depthLimit) break;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return { depth: deepest, nodes };
}

/** The document as a tree, or why it is shown as text. */
export function parseForTree(text: string): { tree: Json & object } | { reason: string | null } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return { reason: null };
  if (text.length > TREE_LIMIT) return { reason: `Shown as text: ${String(Math.round(text.length / 1024))} KiB is too large for a tree.` };
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    return { reason: "Could not be read as JSON: shown as it is." };
  }
  if (parsed === null || typeof parsed !== "object") return { reason: null };
  const shape = shapeOf(parsed, DEPTH_LIMIT, NODE_LIMIT);
  if (shape.depth > DEPTH_LIMIT) return { reason: `Shown as text: nested deeper than ${String(DEPTH_LIMIT)} levels.` };
  if (shape.nodes > NODE_LIMIT) return { reason: `Shown as text: more than ${String(NODE_LIMIT)} values are too many for a tree.` };
  return { tree: parsed };
}

/** A path as people write it: `$.value[0].resourceData["@odata.id"]`. */
export function pathText(path: Path): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${String(key)}]`;
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `${text}.${key}` : `${text}[${JSON.stringify(key)}]`;
  }, "$");
}

/** The node at `path` (the library names array positions as strings or numbers; both work). */
function at(root: Json, path: (string | number)[]): { found: Json; path: Path } | null {
  let node: Json = root;
  const resolved: Path = [];
  for (const key of path) {
    if (Array.isArray(node)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= node.length) return null;
      node = node[index] ?? null;
      resolved.push(index);
    } else if (node !== null && typeof node === "object" && Object.hasOwn(node, String(key))) {
      node = node[String(key)] ?? null;
      resolved.push(String(key));
    } else {
      return null;
    }
  }
  return { found: node, path: resolved };
}

/** What "Copy value" puts on the clipboard: strings bare, anything else as JSON. */
export function valueText(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function Selection({ root, path }: { root: Json; path: Path }) {
  const node = at(root, path);
  if (!node) return null;
  const value = valueText(node.found);
  const shown = value.length > 4000 ? `${value.slice(0, 4000)}… (${String(value.length)} characters; Copy value takes all)` : value;
  return (
    <div className="json-selection" data-testid="json-selection">
      <div className="json-selection-bar">
        <code className="mono json-path" data-testid="json-path">
          {pathText(node.path)}
        </code>
        <CopyButton text={value} label="Copy value" testId="json-copy-value" />
        <CopyButton text={pathText(node.path)} label="Copy path" testId="json-copy-path" />
      </div>
      <pre className="json-selection-value mono">{shown}</pre>
    </div>
  );
}

/** `partial`: the text is the start of something longer (never parsed: it cannot be whole JSON). */
export function JsonView({ text, testId, partial = false }: { text: string; testId?: string; partial?: boolean }) {
  const parsed = useMemo(() => (partial ? { reason: null } : parseForTree(text)), [text, partial]);
  // The tree keeps what it was first given, so a new text is a new tree (and a new selection).
  const [selected, setSelected] = useState<{ text: string; path: Path } | null>(null);
  if (!("tree" in parsed)) {
    return (
      <div data-testid={testId} className="json-view">
        {parsed.reason ? <p className="muted json-note">{parsed.reason}</p> : null}
        <pre className="code-block">{text.length > TEXT_SHOWN ? text.slice(0, TEXT_SHOWN) : text}</pre>
        {text.length > TEXT_SHOWN ? (
          <p className="muted json-note">
            The first {String(TEXT_SHOWN / 1024)} KiB of {String(Math.round(text.length / 1024))} KiB are shown.{" "}
            <CopyButton text={text} label={partial ? "Copy what was loaded" : "Copy all of it"} />
          </p>
        ) : null}
      </div>
    );
  }
  const root = parsed.tree;
  const select = (path: Path | undefined) => (event: React.MouseEvent) => {
    event.stopPropagation();
    setSelected({ text, path: path ?? [] });
  };
  const choose = (path: Path | undefined) => (event: React.KeyboardEvent) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    setSelected({ text, path: path ?? [] });
  };
  return (
    <div data-testid={testId} className="json-view">
      {selected?.text === text ? <Selection root={root} path={selected.path} /> : <p className="muted json-note">Click a key or a value to copy it or its path.</p>}
      <div className="code-block json-tree">
        <ReactJsonView
          key={text}
          value={root}
          // In this version a number is the depth shown unfolded (and `false` folds everything).
          collapsed={text.length > FOLD_ABOVE ? 2 : DEPTH_LIMIT + 1}
          displayDataTypes={false}
          displayObjectSize
          enableClipboard={false}
          highlightUpdates={false}
          shortenTextAfterLength={0}
          components={{
            countInfo: ({ count }) => <span className="json-count">{count === 1 ? "1 item" : `${String(count)} items`}</span>,
            objectKey: ({ keyName, namespace, quotes, className, style }) =>
              keyName === undefined ? null : (
                <span className={`${className ?? ""} json-key`} style={style} role="button" tabIndex={0} onClick={select(namespace)} onKeyDown={choose(namespace)}>
                  {typeof keyName === "number" ? keyName : `${quotes ?? ""}${keyName}${quotes ?? ""}`}
                </span>
              ),
            value: ({ type, content, namespace, className, style }) => {
              const whole = typeof content === "string" ? content : "";
              const cut = type === "string" && whole.length > STRING_SHOWN ? `${whole.slice(0, STRING_SHOWN)}…" (${String(whole.length)} chars)` : whole;
              return (
                <span className={`${className ?? ""} json-value`} style={style} role="button" tabIndex={0} onClick={select(namespace)} onKeyDown={choose(namespace)} data-testid="json-value">
                  {cut}
                </span>
              );
            },
          }}
        />
      </div>
    </div>
  );
}
