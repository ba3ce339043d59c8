// The receptions, newest first, as a virtualized list: thousands stay smooth during a burst.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";

import type { ReceptionKind, ReceptionLine } from "../../ipc/bindings";

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
  if (r.kind === "validation") return { tone: "ok", text: "answered, token echoed" };
  if (r.pending) return { tone: "idle", text: "items not read yet" };
  if (r.items === 0) return { tone: "danger", text: r.reason ?? "no items" };
  if (r.clientStateProblems > 0) return { tone: "danger", text: `${String(r.clientStateProblems)} clientState problem(s)` };
  if (r.decryptFailures > 0) return { tone: "danger", text: `${String(r.decryptFailures)} not decrypted` };
  if (r.duplicates > 0) return { tone: "warn", text: `${String(r.duplicates)} duplicate(s)` };
  return { tone: "ok", text: r.decrypted > 0 ? "verified, decrypted" : "verified" };
}

/** What a line leads with: the change, or what kind of request it was. */
export function headline(r: ReceptionLine): string {
  const change = r.changeType ?? r.lifecycleEvent;
  if (change) return change;
  const endpoint = r.path.endsWith("/lifecycle") ? "lifecycle URL" : r.path.endsWith("/notifications") ? "notification URL" : null;
  if (r.kind === "validation") return `handshake · ${endpoint ?? r.path}`;
  return `${r.method} ${String(r.status)}`;
}

function time(received: string): string {
  const date = new Date(received);
  return Number.isNaN(date.getTime()) ? received : date.toLocaleTimeString(undefined, { hour12: false });
}

export function ReceptionList({
  items,
  selected,
  onSelect,
  onEnd,
}: {
  items: ReceptionLine[];
  selected: number | null;
  onSelect: (id: number) => void;
  onEnd: () => void;
}) {
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer's own API
  const virtual = useVirtualizer({ count: items.length, getScrollElement: () => parent.current, estimateSize: () => 58, overscan: 12, initialRect: { width: 480, height: 640 } });
  const rows = virtual.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (items.length > 0 && lastIndex >= items.length - 1) onEnd();
  }, [lastIndex, items.length, onEnd]);
  return (
    <div className="reception-list" ref={parent} data-testid="reception-list" role="listbox" aria-label="Receptions">
      <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
        {rows.map((row) => {
          const r = items[row.index];
          if (!r) return null;
          const v = verdict(r);
          return (
            <button
              type="button"
              key={r.id}
              role="option"
              aria-selected={r.id === selected}
              className="reception-row"
              data-testid="reception-row"
              data-kind={r.kind}
              style={{ transform: `translateY(${String(row.start)}px)` }}
              onClick={() => {
                onSelect(r.id);
              }}
            >
              <span className="reception-line">
                <span className={`kind-badge kind-${r.kind}`}>{kindLabels[r.kind]}</span>
                <span className="reception-change">{headline(r)}</span>
                {r.items > 1 ? <span className="muted">×{r.items}</span> : null}
                <span className="reception-time mono">{time(r.receivedAt)}</span>
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
