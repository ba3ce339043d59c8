// Everything that reached the receiver, newest first and live: notifications by default (the
// handshakes a create causes are one click away), filter by kind, search the items (as received
// or decrypted), open one to see its checks, replay it, or export them all. With no notification
// yet, it offers to make the change the newest subscription watches happen.
import { useCallback, useDeferredValue, useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Segmented } from "../../components/Segmented";
import type { ExportFormat, ReceptionKind } from "../../ipc/bindings";
import { useAccounts, useCommand, useOwnedSubscriptions, useReceptionPages } from "../../ipc/queries";
import { TriggerChange } from "../../components/TriggerChange";
import { ReceiverCard } from "./ReceiverCard";
import { ReceptionDetail } from "./ReceptionDetail";
import { ReceptionList } from "./ReceptionList";
import "./inspector.css";

const PAGE = 200;
type Kind = "all" | ReceptionKind;
const kinds: { value: Kind; label: string }[] = [
  { value: "notification", label: "Notifications" },
  { value: "all", label: "All" },
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
  const filtered = kind !== "notification" || search !== "";

  return (
    <div className="screen inspector-screen">
      <PageHeader title="Inspector" subtitle="Every request that reached your receiver: stored before it was acknowledged, then verified and decrypted." actions={<Export />} />
      <ReceiverCard />
      <div className="inspector-toolbar">
        <Segmented id="reception-kind" value={kind} options={kinds} onChange={(k) => { setKind(k); setSelected(null); }} />
        <input
          className="input"
          type="search"
          placeholder="Search: words' beginnings in items, decrypted fields, kinds, paths, tokens"
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
            <NoNotificationsYet
              onShowAll={() => {
                setKind("all");
                setSelected(null);
              }}
            />
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
