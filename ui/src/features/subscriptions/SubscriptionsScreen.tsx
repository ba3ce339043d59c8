// The account in use's subscriptions, from Graph: resource, change types, expiry countdown and
// notification URL, with trigger a change, renew, reauthorize and delete; below, every account's
// subscriptions (the ledger, read when asked), delivery health and gaps, the upkeep, and the HTTP
// log of every Graph call.
import { useEffect, useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { EmptyState } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";
import type { SubscriptionView } from "../../ipc/bindings";
import { untilText } from "../accounts/AccountCard";
import { useCommand, useAccounts, useSubscriptions } from "../../ipc/queries";
import "./subscriptions.css";
import { useOwnedSubscriptions } from "../../ipc/queries";
import { HttpLog } from "./HttpLog";
import { TriggerChange } from "../../components/TriggerChange";
import { timeTexts } from "../../components/When";
import { ownedNote, Upkeep } from "./Upkeep";
import { Health } from "./Health";
import { Ledger } from "./Ledger";

/** An expiry's hover: local time and UTC. */
function expiryTitle(at: string): string {
  const { local, utc } = timeTexts(at);
  return `${local} (${utc})`;
}

function openInspector() {
  window.location.hash = "/inspector";
}

/** Re-renders every `ms` so countdowns move. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const timer = window.setInterval(() => {
      setNow(Date.now() / 1000);
    }, ms);
    return () => {
      window.clearInterval(timer);
    };
  }, [ms]);
  return now;
}

function Row({ item, accountId, now, note }: { item: SubscriptionView; accountId: string; now: number; note: string | null }) {
  const renew = useCommand("subscription_renew");
  const reauthorize = useCommand("subscription_reauthorize");
  const remove = useCommand("subscription_delete");
  const [confirming, setConfirming] = useState(false);
  const [triggering, setTriggering] = useState(false);
  const s = item.subscription;
  // Graph asks for reauthorization 10 minutes before expiry; warn a little earlier.
  const soon = item.expiresAt - now < 15 * 60;
  const error = renew.error ?? reauthorize.error ?? remove.error;
  const ref = { accountId, id: s.id };
  return (
    <>
      <tr data-testid="subscription-row">
        <td className="subscription-resource">
          <div className="mono">{s.resource}</div>
          {item.resourceName ? <div className="muted">{item.resourceName}</div> : null}
          {note ? (
            <div className="owned-note" data-testid="owned-note">
              {note}
            </div>
          ) : null}
        </td>
        <td>{s.changeType.split(",").join(", ")}</td>
        <td className={`nowrap${soon ? " expiry-soon" : ""}`} title={expiryTitle(s.expirationDateTime)} data-testid="subscription-expiry">
          {untilText(item.expiresAt, now)}
        </td>
        <td className="subscription-url mono" title={s.notificationUrl}>
          {s.notificationUrl}
        </td>
        <td>
          <div className="row-actions">
            <Button
              data-testid="subscription-trigger"
              aria-expanded={triggering}
              title="Make the change this subscription watches happen"
              onClick={() => {
                setTriggering(!triggering);
              }}
            >
              Trigger…
            </Button>
            <Button
              disabled={renew.isPending}
              data-testid="subscription-renew"
              title={item.maxMinutes ? `Renew to the longest this resource allows (${String(item.maxMinutes)} minutes)` : "Renew"}
              onClick={() => {
                renew.mutate(ref);
              }}
            >
              Renew
            </Button>
            <Button
              disabled={reauthorize.isPending}
              onClick={() => {
                reauthorize.mutate(ref);
              }}
            >
              Reauthorize
            </Button>
            {confirming ? (
              <Button
                variant="primary"
                data-testid="subscription-delete-confirm"
                disabled={remove.isPending}
                onClick={() => {
                  remove.mutate(ref);
                }}
              >
                Delete it
              </Button>
            ) : (
              <Button
                variant="ghost"
                data-testid="subscription-delete"
                onClick={() => {
                  setConfirming(true);
                }}
              >
                Delete…
              </Button>
            )}
          </div>
        </td>
      </tr>
      {triggering ? (
        <tr className="subscription-trigger-row" data-testid="subscriptions-trigger-row">
          <td colSpan={5}>
            <TriggerChange accountId={accountId} resource={s.resource} changeType={s.changeType} onOpenInspector={openInspector} />
          </td>
        </tr>
      ) : null}
      {error ? (
        <tr>
          <td colSpan={5}>
            <ErrorBanner error={error} title="Graph refused" />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function SubscriptionsScreen() {
  const accounts = useAccounts();
  const current = accounts.data?.accounts.find((a) => a.current);
  const subscriptions = useSubscriptions(current?.config.id);
  const now = useNow(15_000);
  const items = subscriptions.data?.items ?? [];
  const owned = useOwnedSubscriptions();

  return (
    <div className="screen">
      <PageHeader
        title="Subscriptions"
        subtitle={current ? `Change-notification subscriptions of ${current.config.name}.` : "The change-notification subscriptions of the account in use."}
        actions={
          current ? (
            <Button
              data-testid="subscriptions-refresh"
              disabled={subscriptions.isFetching}
              onClick={() => {
                void subscriptions.refetch();
              }}
            >
              {subscriptions.isFetching ? "Refreshing…" : "Refresh"}
            </Button>
          ) : undefined
        }
      />
      {!accounts.isPending && !current ? (
        <Panel>
          <EmptyState icon="subscriptions" title="No account is connected" testId="subscriptions-empty">
            <p>Add an account under Accounts (the sandbox tenant takes one click); its subscriptions appear here.</p>
          </EmptyState>
        </Panel>
      ) : null}
      {current ? (
        <Panel testId="subscription-list">
          {subscriptions.error ? <ErrorBanner error={subscriptions.error} title="The subscriptions could not be read" /> : null}
          {subscriptions.isPending ? <p className="muted">Asking Graph…</p> : null}
          {subscriptions.isSuccess && items.length === 0 ? (
            <EmptyState icon="subscriptions" title="No subscriptions" testId="subscriptions-none">
              <p>This app has no subscriptions for this account yet. Create one from Resources (pick a resource, then Create subscription); subscriptions made with this app registration elsewhere appear here too.</p>
            </EmptyState>
          ) : null}
          {items.length > 0 ? (
            <table className="subscription-table">
              <thead>
                <tr>
                  <th>Resource</th>
                  <th>Changes</th>
                  <th>Expires</th>
                  <th>Notification URL</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <Row
                    key={item.subscription.id}
                    item={item}
                    accountId={current.config.id}
                    now={now}
                    note={ownedNote(owned.data?.items.find((o) => o.id === item.subscription.id))}
                  />
                ))}
              </tbody>
            </table>
          ) : null}
        </Panel>
      ) : null}
      {current ? <Ledger now={now} /> : null}
      {current ? <Health now={now} /> : null}
      {current ? <Upkeep /> : null}
      {current ? <HttpLog accountId={current.config.id} /> : null}
    </div>
  );
}
