// Everything that reached the receiver, newest first and live: notifications by default (the
// handshakes a create causes are one click away), filter by kind, search the items (as received
// or decrypted), open one to see its checks, replay it, or export them all. With no notification
// yet, it offers to make the change the newest subscription watches happen.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Segmented } from "../../components/Segmented";
import type { ExportFormat, ReceptionKind } from "../../ipc/bindings";
import { useAccounts, useCommand, useOwnedSubscriptions, useReceptionCount, useReceptionRows, useShownFilter } from "../../ipc/queries";
import { TriggerChange } from "../../components/TriggerChange";
import { useDebounced } from "../../components/useDebounced";
import { EventHubsCard } from "../eventhubs/EventHubsCard";
import { CompareView } from "./CompareView";
import { ReceiverCard } from "./ReceiverCard";
import { ReceptionDetail } from "./ReceptionDetail";
import { ReceptionList } from "./ReceptionList";
import "./inspector.css";

type Kind = "all" | ReceptionKind;
const kinds: { value: Kind; label: string }[] = [
  { value: "notification", label: "Notifications" },
  { value: "all", label: "All" },
  { value: "lifecycle", label: "Lifecycle" },
  { value: "validation", label: "Handshakes" },
  { value: "unexpected", label: "Unexpected" },
  { value: "rejected", label: "Rejected" },
];

/** Exports what the list shows (its kind and search) to a file the user picks. */
function Export({ kind, text }: { kind: ReceptionKind | null; text: string }) {
  const exporter = useCommand("receptions_export");
  const [written, setWritten] = useState<string | null>(null);
  const run = (format: ExportFormat) => {
    setWritten(null);
    exporter.mutate(
      { format, ask: true, ...(kind ? { kind } : {}), ...(text ? { text } : {}) },
      {
        onSuccess: (done) => {
          setWritten(done.state === "written" ? `${String(done.count)} receptions written to ${done.path}` : null);
        },
      },
    );
  };
  return (
    <div className="export">
      <span className="muted">Export what is listed:</span>
      <Button disabled={exporter.isPending} data-testid="export-ndjson" title="One reception a line, with its checked items" onClick={() => { run("ndjson"); }}>
        NDJSON…
      </Button>
      <Button disabled={exporter.isPending} data-testid="export-har" title="HTTP Archive: opens in browsers' and proxies' tools" onClick={() => { run("har"); }}>
        HAR…
      </Button>
      {written ? (
        <span className="muted export-result" data-testid="export-result">
          {written}
        </span>
      ) : null}
      {exporter.error ? <ErrorBanner error={exporter.error} title="Export" /> : null}
    </div>
  );
}

/** No notification yet: make one happen for the newest subscription of the account in use. */
function NoNotificationsYet({ onShowAll }: { onShowAll: () => void }) {
  const accounts = useAccounts();
  const owned = useOwnedSubscriptions();
  const current = accounts.data?.accounts.find((a) => a.current);
  const newest = owned.data?.items.find((o) => o.accountId === current?.config.id && o.state === "active");
  return (
    <EmptyState icon="inspector" title="No notifications yet" testId="inspector-empty">
      {newest && current ? (
        <>
          <p>
            Make the change <code>{newest.resource}</code> watches happen; its notification appears here, verified
            {newest.includeResourceData ? " and decrypted" : ""}.
          </p>
          <TriggerChange key={newest.id} accountId={current.config.id} resource={newest.resource} changeType={newest.changeType} />
        </>
      ) : (
        <p>Create a subscription (Resources → a resource → Create subscription); every notification appears here as it arrives.</p>
      )}
      <p className="muted">
        Validation handshakes and everything else the receiver got are under{" "}
        <button type="button" className="link-button" data-testid="inspector-show-all" onClick={onShowAll}>
          All
        </button>
        .
      </p>
      <FeatureList
        items={[
          { title: "Verify", text: "clientState and validation tokens checked for every item." },
          { title: "Decrypt", text: "Rich notifications opened with your certificate." },
          { title: "Replay", text: "Send any stored request to any URL again." },
        ]}
      />
    </EmptyState>
  );
}

export function InspectorScreen() {
  const [kind, setKind] = useState<Kind>("notification");
  const [text, setText] = useState("");
  // One query when typing stops, not one a key; the list keeps showing meanwhile.
  const search = useDebounced(text.trim(), 100);
  const [selected, setSelected] = useState<number | null>(null);
  // Comparing: `from` was chosen in the detail; `to` is the next row picked.
  const [compare, setCompare] = useState<{ from: number; to: number | null } | null>(null);
  const filter = useMemo(() => ({ ...(kind === "all" ? {} : { kind }), ...(search ? { text: search } : {}) }), [kind, search]);
  // The list keeps showing the last filter until the new one's first rows are read.
  const { shown: listed, switching } = useShownFilter(filter);
  const listedKey = JSON.stringify(listed);
  // Refreshed when the backend announces arrivals and, a moment after the 202, checked items.
  const counted = useReceptionCount(listed);
  const count = counted.data?.count ?? 0;
  // The rows on screen, for the filter they were scrolled in (a new filter starts at the top).
  const [range, setRange] = useState({ key: listedKey, first: 0, last: 0 });
  const onRange = useCallback(
    (first: number, last: number) => {
      setRange((now) => (now.key === listedKey && now.first === first && now.last === last ? now : { key: listedKey, first, last }));
    },
    [listedKey],
  );
  const visible = range.key === listedKey ? range : { first: 0, last: 0 };
  const rows = useReceptionRows(listed, visible.first, visible.last);
  // With nothing picked, the newest is shown; scrolled away from it, the last one shown stays.
  const [lastShown, setLastShown] = useState<{ key: string; id: number } | null>(null);
  const implied = rows.rowAt(0)?.id ?? (lastShown?.key === listedKey ? lastShown.id : undefined);
  const shown = selected ?? implied ?? null;
  // Kept as React advises for a value from an earlier render (set while rendering, guarded).
  if (shown !== null && (lastShown?.key !== listedKey || lastShown.id !== shown)) setLastShown({ key: listedKey, id: shown });
  const listError = counted.error ?? rows.error;
  const startCompare = useCallback(() => {
    if (shown === null) return;
    setCompare({ from: shown, to: null });
    list.current?.focus();
  }, [shown]);
  const filtered = kind !== "notification" || search !== "";
  const searchBox = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const detail = useRef<HTMLDivElement>(null);
  // `/` searches from anywhere on the screen (but not while typing in a field).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest("input, textarea, select, [contenteditable='true']");
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        searchBox.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, []);

  return (
    <div className="screen inspector-screen">
      <PageHeader title="Inspector" subtitle="Every request that reached your receiver and every event read from a hub: stored before it was acknowledged, then verified and decrypted." />
      <div className="inspector-sources">
        <ReceiverCard />
        <EventHubsCard />
      </div>
      <div className="inspector-toolbar">
        <Segmented id="reception-kind" value={kind} options={kinds} onChange={(k) => { setKind(k); setSelected(null); }} />
        <input
          className="input"
          type="search"
          placeholder="Search: words' beginnings in items, decrypted fields, kinds, paths, tokens"
          aria-label="Search"
          data-testid="reception-search"
          aria-busy={switching}
          value={text}
          maxLength={200}
          ref={searchBox}
          onChange={(e) => {
            setText(e.target.value);
            setSelected(null);
          }}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              setText("");
              list.current?.focus();
            } else if (e.key === "ArrowDown" || e.key === "Enter") {
              e.preventDefault();
              list.current?.focus();
            }
          }}
        />
        <Export kind={kind === "all" ? null : kind} text={search} />
        <span className="muted keys-hint" title="Keyboard: / search, ↑/↓ move, Enter open, Esc back to the list">
          <kbd>/</kbd> search · <kbd>↑</kbd>
          <kbd>↓</kbd> move · <kbd>Enter</kbd> open · <kbd>Esc</kbd> back
        </span>
      </div>
      {listError ? <ErrorBanner error={listError} title="The receptions could not be read" /> : null}
      {counted.isSuccess && !switching && count === 0 ? (
        <div className="panel">
          {filtered ? (
            <EmptyState icon="inspector" title="Nothing matches" testId="inspector-none">
              <p>No reception matches this filter.</p>
            </EmptyState>
          ) : (
            <NoNotificationsYet
              onShowAll={() => {
                setKind("all");
                setSelected(null);
              }}
            />
          )}
        </div>
      ) : null}
      {compare && compare.to === null ? (
        <div className="compare-pick" role="status" data-testid="compare-pick">
          Pick the reception to compare #{compare.from} with: click it, or move to it with ↑/↓ and press Enter.
          <Button
            variant="ghost"
            onClick={() => {
              setCompare(null);
            }}
          >
            Cancel
          </Button>
        </div>
      ) : null}
      {count > 0 ? (
        <div className="inspector-split">
          <ReceptionList
            key={listedKey}
            count={count}
            rowAt={rows.rowAt}
            onRange={onRange}
            selected={shown}
            onSelect={(id, picked) => {
              if (picked && compare && compare.to === null && id !== compare.from) setCompare({ ...compare, to: id });
              setSelected(id);
            }}
            listRef={list}
            onOpen={() => {
              if (compare && compare.to === null && shown !== null && shown !== compare.from) {
                setCompare({ ...compare, to: shown });
              }
              detail.current?.focus();
            }}
          />
          <div
            className="inspector-detail panel"
            ref={detail}
            tabIndex={-1}
            data-testid="inspector-detail"
            onKeyDown={(e) => {
              const target = e.target as HTMLElement;
              if (e.key === "Escape" && !target.closest("input, textarea")) {
                e.preventDefault();
                setCompare(null);
                list.current?.focus();
              }
            }}
          >
            {compare?.to != null ? (
              <CompareView
                left={compare.from}
                right={compare.to}
                onClose={() => {
                  setCompare(null);
                }}
              />
            ) : shown !== null ? (
              <ReceptionDetail key={shown} id={shown} onCompare={startCompare} />
            ) : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}
