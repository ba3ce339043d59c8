// Delivery health and gaps: when each live subscription the app made last heard from Graph and
// whether it has been quiet for longer than usual; the gaps in delivery (missed notifications,
// removals, times the receiver was not listening) and what reconciling one found. Everything here
// came from Graph or the backend: it is shown as text, never as HTML.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useRef, useState } from "react";

import { Badge } from "../../components/Badge";
import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { Panel } from "../../components/Panel";
import { Prose } from "../../components/Prose";
import { timeTexts, When } from "../../components/When";
import type { GapCause, GapRef, GapView, Outcome, Reconciliation, SubscriptionHealth } from "../../ipc/bindings";
import { call } from "../../ipc/client";
import { queryKeys, useCommand } from "../../ipc/queries";
import { Endpoints } from "./Endpoints";
import { agoText, spanText } from "./spans";

export { agoText, spanText };

const causeText: Record<GapCause, string> = {
  missed: "Graph said notifications were missed",
  removed: "Graph removed the subscription",
  downtime: "Receiver was not listening",
  urlMoved: "Public URL moved",
  hubLost: "Events lost from the event hub",
  asked: "Asked for",
};

/** What a reconciliation found, in one line. */
export function outcomeText(outcome: Outcome): string {
  return `${String(outcome.unnotified)} changed without a notification · ${String(outcome.duplicates)} ${outcome.duplicates === 1 ? "duplicate" : "duplicates"} · ${String(outcome.superseded)} superseded`;
}

/** The reconciliation as JSON, as copied. */
export function reconciliationJson(reconciliation: Reconciliation): string {
  return JSON.stringify(reconciliation, null, 2);
}

/** A Unix time in local time, UTC on hover (the app's one way of writing times). */
function At({ unix }: { unix: number }) {
  return <When at={unix * 1000} />;
}

/** A long id or change key: one line, cut with an ellipsis, whole on hover and when copied. */
export function Id({ value }: { value: string }) {
  return (
    <span className="health-id mono selectable" title={value}>
      {value}
    </span>
  );
}

/** A gap's range: from – to (duration). */
function Range({ from, to }: { from: number; to: number }) {
  return (
    <span className="gap-range">
      <At unix={from} /> – <At unix={to} /> <span className="muted">({spanText(to - from)})</span>
    </span>
  );
}

function reconciliationKey(id: number) {
  return ["gap_reconciliation", String(id)] as const;
}

function LastNotification({ at, now }: { at: number | undefined; now: number }) {
  if (at === undefined) return <span className="muted">none yet</span>;
  const { local, utc } = timeTexts(at * 1000);
  return (
    <time dateTime={new Date(at * 1000).toISOString()} title={`${local} (${utc})`}>
      {agoText(at, now)}
    </time>
  );
}

function SubscriptionRow({ item, now }: { item: SubscriptionHealth; now: number }) {
  return (
    <tr data-testid="subscription-health-row">
      <td className="subscription-resource">
        <div className="mono">{item.resource}</div>
        <Id value={item.id} />
        {item.state !== "active" ? <div className="field-error">{item.state}</div> : null}
      </td>
      <td className="nowrap">
        <LastNotification at={item.lastNotificationAt} now={now} />
        {item.quiet ? (
          <div>
            <Badge tone="warn" testId="quiet-badge" title="No notification for longer than the usual time between them: a gap may be opening.">
              Quiet for longer than usual
            </Badge>
          </div>
        ) : null}
      </td>
      <td>usually within {spanText(item.expectedLatencySeconds)}</td>
      <td>{item.usualIntervalSeconds !== undefined ? `about every ${spanText(item.usualIntervalSeconds)}` : <span className="muted">not known yet</span>}</td>
      <td className={item.openGaps > 0 ? "status-bad" : "muted"} data-testid="subscription-open-gaps">
        {item.openGaps}
      </td>
    </tr>
  );
}

function OutcomeLine({ outcome }: { outcome: Outcome }) {
  return (
    <div className="gap-outcome" data-testid="gap-outcome">
      {outcomeText(outcome)}
      {outcome.restarted ? <Badge tone="warn">token expired: full sync</Badge> : outcome.fullSync ? <Badge>full sync</Badge> : null}
    </div>
  );
}

function GapRow({ gap, open, onShow }: { gap: GapView; open: boolean; onShow: (id: GapView["id"]) => void }) {
  const client = useQueryClient();
  const reconcile = useCommand("gap_reconcile");
  const reconciled = gap.reconciledAt !== undefined || gap.outcome !== undefined;
  return (
    <li className="gap-row" data-testid="gap-row" data-cause={gap.cause}>
      <div className="gap-head">
        <strong>{causeText[gap.cause]}</strong>
        <Range from={gap.from} to={gap.to} />
      </div>
      <p className="gap-detail">
        <Prose text={gap.detail} />
      </p>
      <div className="gap-resource">
        <span className="mono">{gap.resource ?? "(resource not known)"}</span> <Id value={gap.subscriptionId} />
      </div>
      <div className="gap-foot">
        {gap.outcome ? <OutcomeLine outcome={gap.outcome} /> : null}
        {reconciled ? (
          <>
            {gap.reconciledAt !== undefined ? (
              <span className="muted">
                Reconciled <At unix={gap.reconciledAt} />
              </span>
            ) : null}
            <Button
              data-testid="gap-show"
              aria-expanded={open}
              onClick={() => {
                onShow(gap.id);
              }}
            >
              Show result
            </Button>
          </>
        ) : (
          <Button
            variant="primary"
            data-testid="gap-reconcile"
            disabled={reconcile.isPending}
            title="Read what changed during the gap with delta queries and compare it with the notifications received"
            onClick={() => {
              const ref: GapRef = { id: gap.id };
              reconcile.mutate(ref, {
                onSuccess: (result) => {
                  client.setQueryData(reconciliationKey(gap.id), result);
                  onShow(gap.id);
                },
              });
            }}
          >
            {reconcile.isPending ? "Reconciling…" : "Reconcile"}
          </Button>
        )}
      </div>
      {reconcile.error ? <ErrorBanner error={reconcile.error} title="The gap could not be reconciled" /> : null}
    </li>
  );
}

function Section({ title, empty, count, children }: { title: string; empty: string; count: number; children: ReactNode }) {
  return (
    <section className="reconciliation-section">
      <h3 className="reconciliation-title">
        {title} <span className="muted">({count})</span>
      </h3>
      {count === 0 ? <p className="muted">{empty}</p> : <div className="health-scroll">{children}</div>}
    </section>
  );
}

function Baseline({ reconciliation }: { reconciliation: Reconciliation }) {
  if (reconciliation.restarted !== undefined) {
    return (
      <span data-testid="reconciliation-restarted">
        The delta token had expired (<span className="mono">{reconciliation.restarted}</span>): the app synced again from the start; only items modified since the gap began are judged and deletions cannot be seen.
      </span>
    );
  }
  if (reconciliation.baselineAt === undefined)
    return <span>No usable delta link (none kept, or the kept one is newer than the gap): read everything; only items modified since the gap began are judged, and deletions cannot be seen.</span>;
  return (
    <span>
      Delta links taken <At unix={reconciliation.baselineAt} />
      {reconciliation.fullSync ? <span className="muted"> (some paths had none and were read in full)</span> : null}
    </span>
  );
}

function Report({ reconciliation: r }: { reconciliation: Reconciliation }) {
  return (
    <>
      <dl className="details reconciliation-facts">
        <div className="details-row">
          <dt>Resource</dt>
          <dd className="mono">{r.resource}</dd>
        </div>
        <div className="details-row">
          <dt>Reconciled</dt>
          <dd>
            <At unix={r.ranAt} />
          </dd>
        </div>
        <div className="details-row">
          <dt>Paths read</dt>
          <dd>
            {r.paths.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              <ul className="reconciliation-paths">
                {r.paths.map((path) => (
                  <li key={path} className="mono">
                    {path}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div className="details-row">
          <dt>Changes read</dt>
          <dd data-testid="reconciliation-changes-read">{r.changesRead}</dd>
        </div>
        <div className="details-row">
          <dt>Notifications compared</dt>
          <dd data-testid="reconciliation-compared">{r.notificationsCompared}</dd>
        </div>
        <div className="details-row">
          <dt>Baseline</dt>
          <dd data-testid="reconciliation-baseline">
            <Baseline reconciliation={r} />
          </dd>
        </div>
      </dl>

      {r.notes.map((note) => (
        <p key={note} className="muted" data-testid="reconciliation-note">
          {note}
        </p>
      ))}
      <Section
        title="Changed without a notification"
        count={r.unnotified.length}
        empty={r.fullSync ? "Every item modified since the gap began was notified (a full sync cannot show deletions)." : "Every change delta reported was notified."}
      >
        <table className="subscription-table">
          <thead>
            <tr>
              <th>Item</th>
              <th>Change</th>
              <th>Change key</th>
              <th>Last modified</th>
            </tr>
          </thead>
          <tbody>
            {r.unnotified.map((change, i) => (
              <tr key={`${change.id}-${String(i)}`} data-testid="unnotified-row">
                <td>
                  {change.label !== undefined ? <div className="health-label" title={change.label}>{change.label}</div> : null}
                  <Id value={change.id} />
                  {change.inGap ? (
                    <div>
                      <Badge tone="accent" title="Modified between the gap's start and end">in the gap</Badge>
                    </div>
                  ) : null}
                </td>
                <td className={change.deleted ? "status-bad" : ""}>{change.deleted ? "Deleted" : "Changed"}</td>
                <td className="reconciliation-key">{change.changeKey !== undefined ? <Id value={change.changeKey} /> : <span className="muted">none</span>}</td>
                <td className="nowrap">{change.lastModified !== undefined ? <When at={change.lastModified} /> : <span className="muted">not known</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section title="Notified more than once" count={r.duplicates.length} empty="No change was notified more than once.">
        <table className="subscription-table">
          <thead>
            <tr>
              <th>Item</th>
              <th>Change key</th>
              <th>Times</th>
              <th>Receptions</th>
            </tr>
          </thead>
          <tbody>
            {r.duplicates.map((group, i) => (
              <tr key={`${group.id}-${group.changeKey}-${String(i)}`} data-testid="duplicate-row">
                <td>
                  <Id value={group.id} />
                </td>
                <td>
                  <Id value={group.changeKey} />
                </td>
                <td>{group.count}</td>
                <td className="mono health-receptions">{group.receptionIds.map((id) => `#${String(id)}`).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section title="Superseded" count={r.superseded.length} empty="No notified state had changed again by the time of the reconciliation.">
        <table className="subscription-table">
          <thead>
            <tr>
              <th>Item</th>
              <th>Notified change key</th>
              <th>Reception</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {r.superseded.map((s, i) => (
              <tr key={`${s.id}-${s.changeKey}-${String(i)}`} data-testid="superseded-row">
                <td>
                  <Id value={s.id} />
                </td>
                <td>
                  <Id value={s.changeKey} />
                </td>
                <td className="mono">#{String(s.receptionId)}</td>
                <td>{s.by === "deleted" ? <span className="status-bad">deleted</span> : <Id value={s.by} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}

/** The kept reconciliation of a gap (just made, or read with `gap_reconciliation`). */
function ReconciliationView({ gapId, onClose }: { gapId: GapView["id"]; onClose: () => void }) {
  const result = useQuery({
    queryKey: reconciliationKey(gapId),
    queryFn: () => call("gap_reconciliation", { id: gapId }),
    retry: false,
    staleTime: Infinity,
  });
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "nearest" });
  }, [gapId]);
  const r = result.data;
  const save = useCommand("gap_reconciliation_save");
  return (
    <div className="reconciliation" data-testid="reconciliation" ref={ref}>
      <div className="reconciliation-head">
        <h3 className="reconciliation-heading">{r ? <>Reconciliation of the gap <Range from={r.gapFrom} to={r.gapTo} /></> : "Reconciliation"}</h3>
        <div className="row-actions">
          {r ? <CopyButton text={() => reconciliationJson(r)} label="Copy as JSON" testId="reconciliation-copy" variant="default" /> : null}
          {r ? (
            <Button
              data-testid="reconciliation-save"
              disabled={save.isPending}
              onClick={() => {
                save.mutate({ id: gapId });
              }}
            >
              Save as JSON…
            </Button>
          ) : null}
          <Button variant="ghost" data-testid="reconciliation-close" onClick={onClose}>
            Close
          </Button>
        </div>
      </div>
      {save.data?.state === "written" ? (
        <p className="muted" role="status" data-testid="reconciliation-saved">
          Saved to <span className="mono selectable">{save.data.path}</span>
        </p>
      ) : null}
      {save.error ? <ErrorBanner error={save.error} title="The reconciliation was not saved" /> : null}
      {result.error ? <ErrorBanner error={result.error} title="The reconciliation could not be read" /> : null}
      {result.isPending ? <p className="muted">Reading…</p> : null}
      {r ? <Report reconciliation={r} /> : null}
    </div>
  );
}

/** Another process's receiver (`webhook-studio listen`) tells this window nothing: while its
 * health is shown, it is read again every 15 s (its heartbeat's pace), so a stopped one goes. */
const ELSEWHERE_REFRESH_MS = 15_000;

function useHealth() {
  return useQuery({
    queryKey: queryKeys.health,
    queryFn: () => call("health", null),
    refetchInterval: (query) => (query.state.data?.deliveryElsewhere ? ELSEWHERE_REFRESH_MS : false),
  });
}

/** Every gap, the reconciled ones too (the health view lists only the open ones). */
function useGaps() {
  return useQuery({ queryKey: queryKeys.gaps, queryFn: () => call("gaps_list", {}) });
}

/** The section. `now` (Unix seconds) moves the "ago" texts along. */
export function Health({ now }: { now: number }) {
  const health = useHealth();
  const gaps = useGaps();
  const [open, setOpen] = useState<GapView["id"] | null>(null);
  const subscriptions = health.data?.subscriptions ?? [];
  const list = [...(gaps.data ?? [])].sort((a, b) => b.from - a.from || b.id - a.id);
  const loaded = health.isSuccess && gaps.isSuccess;
  const nothing = loaded && subscriptions.length === 0 && list.length === 0;
  const shown = open === null ? null : (list.find((g) => String(g.id) === String(open)) ?? null);
  return (
    <Panel title="Delivery health and gaps" testId="health">
      {health.error ? <ErrorBanner error={health.error} title="Delivery health could not be read" /> : null}
      {gaps.error ? <ErrorBanner error={gaps.error} title="The gaps could not be read" /> : null}
      {nothing ? (
        <p className="muted" data-testid="health-empty">
          Once the app has made subscriptions, this shows when each last heard from Graph, and any gap in delivery (missed notifications, removals, times the receiver was not listening) with what reconciling it found.
        </p>
      ) : null}
      {health.data ? <Endpoints view={health.data} now={now} /> : null}
      {subscriptions.length > 0 ? (
        <div className="health-scroll">
          <table className="subscription-table" data-testid="subscription-health">
            <thead>
              <tr>
                <th>Resource</th>
                <th>Last notification</th>
                <th>Expected latency</th>
                <th>Usual interval</th>
                <th>Open gaps</th>
              </tr>
            </thead>
            <tbody>
              {subscriptions.map((item) => (
                <SubscriptionRow key={item.id} item={item} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {loaded && !nothing ? (
        <>
          <h3 className="health-subtitle">Gaps</h3>
          {list.length === 0 ? (
            <p className="muted" data-testid="gaps-none">
              No gaps: nothing is known to have been missed.
            </p>
          ) : (
            <ul className="gap-list" data-testid="gap-list">
              {list.map((gap) => (
                <GapRow
                  key={String(gap.id)}
                  gap={gap}
                  open={shown?.id === gap.id}
                  onShow={(id) => {
                    setOpen(id);
                  }}
                />
              ))}
            </ul>
          )}
          {shown ? (
            <ReconciliationView
              key={String(shown.id)}
              gapId={shown.id}
              onClose={() => {
                setOpen(null);
              }}
            />
          ) : null}
        </>
      ) : null}
    </Panel>
  );
}
