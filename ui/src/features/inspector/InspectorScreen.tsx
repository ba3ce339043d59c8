// Everything that reached the receiver, newest first and live: filter by kind, search the items
// (as received or decrypted), open one to see its checks, replay it, or export them all.
import { useCallback, useDeferredValue, useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Segmented } from "../../components/Segmented";
import type { ExportFormat, ReceptionKind } from "../../ipc/bindings";
import { useCommand, useReceptionPages } from "../../ipc/queries";
import { ReceiverCard } from "./ReceiverCard";
import { ReceptionDetail } from "./ReceptionDetail";
import { ReceptionList } from "./ReceptionList";
import "./inspector.css";

const PAGE = 200;
type Kind = "all" | ReceptionKind;
const kinds: { value: Kind; label: string }[] = [
  { value: "all", label: "All" },
  { value: "notification", label: "Notifications" },
  { value: "lifecycle", label: "Lifecycle" },
  { value: "validation", label: "Handshakes" },
  { value: "unexpected", label: "Unexpected" },
  { value: "rejected", label: "Rejected" },
];

function Export() {
  const exporter = useCommand("receptions_export");
  const [written, setWritten] = useState<string | null>(null);
  const run = (format: ExportFormat) => {
    exporter.mutate(
      { format },
      {
        onSuccess: (done) => {
          setWritten(`${String(done.count)} receptions written to ${done.path}`);
        },
      },
    );
  };
  return (
    <div className="export">
      <Button disabled={exporter.isPending} data-testid="export-ndjson" onClick={() => { run("ndjson"); }}>
        Export NDJSON
      </Button>
      <Button disabled={exporter.isPending} data-testid="export-har" onClick={() => { run("har"); }}>
        Export HAR
      </Button>
      {written ? (
        <span className="muted" data-testid="export-result">
          {written}
        </span>
      ) : null}
      {exporter.error ? <ErrorBanner error={exporter.error} title="Export" /> : null}
    </div>
  );
}

export function InspectorScreen() {
  const [kind, setKind] = useState<Kind>("all");
  const [text, setText] = useState("");
  const search = useDeferredValue(text.trim());
  const [selected, setSelected] = useState<number | null>(null);
  const filter = { ...(kind === "all" ? {} : { kind }), ...(search ? { text: search } : {}) };
  // Refreshed when the backend announces arrivals and, a moment after the 202, checked items.
  const pages = useReceptionPages(filter, PAGE);
  const items = pages.data?.pages.flat() ?? [];
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const shown = selected ?? items[0]?.id ?? null;
  const filtered = kind !== "all" || search !== "";

  return (
    <div className="screen inspector-screen">
      <PageHeader title="Inspector" subtitle="Every request that reached your receiver: stored before it was acknowledged, then verified and decrypted." actions={<Export />} />
      <ReceiverCard />
      <div className="inspector-toolbar">
        <Segmented id="reception-kind" value={kind} options={kinds} onChange={(k) => { setKind(k); setSelected(null); }} />
        <input
          className="input"
          type="search"
          placeholder="Search items (resource, ids, decrypted fields)"
          aria-label="Search"
          data-testid="reception-search"
          value={text}
          maxLength={200}
          onChange={(e) => {
            setText(e.target.value);
            setSelected(null);
          }}
        />
      </div>
      {pages.error ? <ErrorBanner error={pages.error} title="The receptions could not be read" /> : null}
      {pages.isSuccess && items.length === 0 ? (
        <div className="panel">
          {filtered ? (
            <EmptyState icon="inspector" title="Nothing matches" testId="inspector-none">
              <p>No reception matches this filter.</p>
            </EmptyState>
          ) : (
            <EmptyState icon="inspector" title="Nothing received yet" testId="inspector-empty">
              <p>Create a subscription (Resources → a resource → Create subscription); its validation handshake and every notification appear here as they arrive.</p>
              <FeatureList
                items={[
                  { title: "Verify", text: "clientState and validation tokens checked for every item." },
                  { title: "Decrypt", text: "Rich notifications opened with your certificate." },
                  { title: "Replay", text: "Send any stored request to any URL again." },
                ]}
              />
            </EmptyState>
          )}
        </div>
      ) : null}
      {items.length > 0 ? (
        <div className="inspector-split">
          <ReceptionList items={items} selected={shown} onSelect={setSelected} onEnd={more} />
          <div className="inspector-detail panel">{shown !== null ? <ReceptionDetail id={shown} /> : null}</div>
        </div>
      ) : null}
    </div>
  );
}
