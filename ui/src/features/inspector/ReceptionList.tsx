// The receptions, newest first, as a virtualized list as tall as all of them: the scrollbar
// spans every reception, and only the rows on screen are read (by position), so the oldest of
// 100,000 is one drag (or End) away. It is one focusable listbox: ↑/↓, Page Up/Down, Home/End
// move the selection (the row scrolls into view), Enter opens the selected reception's detail.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, type RefObject } from "react";

import type { ReceptionKind, ReceptionLine } from "../../ipc/bindings";
import { LIST_BLOCK } from "../../ipc/queries";
import { Badge } from "../../components/Badge";
import { When } from "../../components/When";
import { isHubEvent } from "../eventhubs/hub";

const kindLabels: Record<ReceptionKind, string> = {
  notification: "Notification",
  lifecycle: "Lifecycle",
  validation: "Validation",
  unexpected: "Unexpected",
  rejected: "Rejected",
};

/** The verdict a line shows: the worst thing about it. */
export function verdict(r: ReceptionLine): { tone: "ok" | "warn" | "danger" | "idle"; text: string } {
  if (r.kind === "rejected" || r.kind === "unexpected") return { tone: "danger", text: r.reason ?? `answered ${String(r.status)}` };
  if (r.kind === "validation") return { tone: "ok", text: isHubEvent(r) ? "Graph can send to this hub" : "answered, token echoed" };
  if (r.pending) return { tone: "idle", text: "items not read yet" };
  if (r.items === 0) return { tone: "danger", text: r.reason ?? "no items" };
  const some = (count: number) => (r.items > 1 ? ` (${String(count)} of ${String(r.items)})` : "");
  if (r.clientStateProblems > 0) return { tone: "danger", text: `clientState differs or missing${some(r.clientStateProblems)}` };
  if (r.decryptFailures > 0) return { tone: "danger", text: `not decrypted${some(r.decryptFailures)}` };
  if (r.unknownSubscriptions > 0) return { tone: "warn", text: `subscription not made here: clientState not checked${some(r.unknownSubscriptions)}` };
  if (r.duplicates > 0) return { tone: "warn", text: `${String(r.duplicates)} duplicate(s)` };
  return { tone: "ok", text: r.decrypted > 0 ? "verified, decrypted" : "verified" };
}

/** What a line leads with: the change, or what kind of request it was. */
export function headline(r: ReceptionLine): string {
  if (isHubEvent(r) && r.kind === "validation") return "validation event";
  const change = r.changeType ?? r.lifecycleEvent;
  if (change) return change;
  if (isHubEvent(r)) return `event · ${r.path.replace(/^\//, "")}`;
  const endpoint = r.path.endsWith("/lifecycle") ? "lifecycle URL" : r.path.endsWith("/notifications") ? "notification URL" : null;
  if (r.kind === "validation") return `handshake · ${endpoint ?? r.path}`;
  return `${r.method} ${String(r.status)}`;
}

/** Where a key moves the selection from `index` in a list of `count` (null: not a moving key). */
export function moved(key: string, index: number, count: number, page: number): number | null {
  const last = count - 1;
  const target = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: last }[key];
  return target === undefined || count === 0 ? null : Math.min(Math.max(target, 0), last);
}

const ROW = 58;

export function ReceptionList({
  count,
  rowAt,
  selected,
  onSelect,
  onRange,
  onOpen,
  listRef,
}: {
  count: number;
  rowAt: (index: number) => ReceptionLine | undefined;
  selected: number | null;
  /** `picked`: chosen with a click (arrows only move the selection). */
  onSelect: (id: number, picked: boolean) => void;
  /** The rows on screen (with some either side) changed: read them. */
  onRange: (first: number, last: number) => void;
  onOpen: () => void;
  listRef?: RefObject<HTMLDivElement | null>;
}) {
  const ownRef = useRef<HTMLDivElement>(null);
  const parent = listRef ?? ownRef;
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer's own API
  const virtual = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 4, initialRect: { width: 480, height: 640 } });
  const rows = virtual.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows.at(-1)?.index ?? 0;
  // Told block by block, not row by row: the screen re-renders only when other rows must be read.
  const firstBlock = Math.floor(first / LIST_BLOCK) * LIST_BLOCK;
  const lastBlock = Math.floor(last / LIST_BLOCK) * LIST_BLOCK;
  useEffect(() => {
    onRange(firstBlock, lastBlock);
  }, [firstBlock, lastBlock, onRange]);
  // Newer receptions push the rows down: a list scrolled away from the top stays on the rows it showed.
  const counted = useRef(count);
  useEffect(() => {
    const grown = count - counted.current;
    counted.current = count;
    const element = parent.current;
    if (grown > 0 && element && element.scrollTop > 0) element.scrollTop += grown * ROW;
  }, [count, parent]);
  // A key moved to a row not read yet: select it once it is.
  const pending = useRef<number | null>(null);
  useEffect(() => {
    if (pending.current === null) return;
    const line = rowAt(pending.current);
    if (line) {
      pending.current = null;
      onSelect(line.id, false);
    }
  });
  // Where the selection is: on screen, or where a key last sent it, or the first row shown.
  const lastIndex = useRef<number | null>(null);
  const indexOfSelected = (): number => {
    if (pending.current !== null) return pending.current;
    for (const row of rows) if (rowAt(row.index)?.id === selected) return row.index;
    return lastIndex.current ?? virtual.range?.startIndex ?? first;
  };
  return (
    <div
      className="reception-list"
      ref={parent}
      data-testid="reception-list"
      data-count={count}
      role="listbox"
      aria-label="Receptions"
      aria-activedescendant={selected !== null && rows.some((row) => rowAt(row.index)?.id === selected) ? `reception-${String(selected)}` : undefined}
      tabIndex={0}
      onKeyDown={(event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          onOpen();
          return;
        }
        const page = Math.max(1, Math.floor((parent.current?.clientHeight ?? 580) / ROW) - 1);
        const next = moved(event.key, indexOfSelected(), count, page);
        if (next === null) return;
        event.preventDefault();
        virtual.scrollToIndex(next, { align: "auto" });
        lastIndex.current = next;
        const line = rowAt(next);
        if (line) {
          pending.current = null;
          onSelect(line.id, false);
        } else {
          pending.current = next;
        }
      }}
    >
      <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
        {rows.map((row) => {
          const r = rowAt(row.index);
          if (!r) {
            return (
              <div key={`row-${String(row.index)}`} className="reception-row reception-row-loading" aria-hidden="true" style={{ transform: `translateY(${String(row.start)}px)` }}>
                <span className="reception-line muted">…</span>
              </div>
            );
          }
          const v = verdict(r);
          return (
            <button
              type="button"
              key={r.id}
              id={`reception-${String(r.id)}`}
              tabIndex={-1}
              role="option"
              aria-selected={r.id === selected}
              className="reception-row"
              data-testid="reception-row"
              data-kind={r.kind}
              data-index={row.index}
              style={{ transform: `translateY(${String(row.start)}px)` }}
              onClick={() => {
                lastIndex.current = row.index;
                onSelect(r.id, true);
              }}
            >
              <span className="reception-line">
                {isHubEvent(r) ? (
                  <Badge tone="accent" testId="hub-badge" title={`Read from the event hub ${r.path.replace(/^\//, "")} (${r.peer})`}>
                    Event Hub
                  </Badge>
                ) : null}
                <span className={`kind-badge kind-${r.kind}`}>{kindLabels[r.kind]}</span>
                <span className="reception-change">{headline(r)}</span>
                {r.items > 1 ? <span className="muted">×{r.items}</span> : null}
                <When at={r.receivedAt} style="time" className="reception-time mono" />
              </span>
              <span className="reception-line">
                <span className={`verdict verdict-${v.tone}`}>{v.text}</span>
                <span className="reception-resource mono">{r.resource ?? r.path}</span>
              </span>
            </button>
          );
        })}
      </div>
    </div>
  );
}
