// All accounts: the subscription ledger. Every connected account's `GET /subscriptions`, merged:
// what each account's token lists (delegated and app-only tokens see different things), the
// accounts that could not answer, and one row per subscription with who sees it, where it points,
// who made it, and whether this app made it, serves it, or it overlaps another on the same
// resource. Read only when asked: it calls Graph once per account. Everything here came from Graph
// or the backend: it is shown as text, never as HTML.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { Badge } from "../../components/Badge";
import { Banner, ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Panel } from "../../components/Panel";
import { Prose } from "../../components/Prose";
import { timeTexts } from "../../components/When";
import type { LedgerEntry } from "../../ipc/bindings";
import { call } from "../../ipc/client";
import { queryKeys } from "../../ipc/queries";
import { untilText } from "../accounts/AccountCard";
import { Id } from "./Health";

const ledgerKey = queryKeys.ledger;

/** "expires in 3 h", or "expired". */
function expiresText(unixSeconds: number, now: number): string {
  const until = untilText(unixSeconds, now);
  return until === "expired" ? until : `expires ${until}`;
}

function Expiry({ at, now }: { at: number; now: number }) {
  const { local, utc } = timeTexts(at * 1000);
  return (
    <time dateTime={new Date(at * 1000).toISOString()} title={`${local} (${utc})`}>
      {expiresText(at, now)}
    </time>
  );
}

function Who({ label, value }: { label: string; value: string | undefined }) {
  if (value === undefined) return null;
  return (
    <div className="ledger-who">
      <span className="muted">{label}</span> <Id value={value} />
    </div>
  );
}

function EntryRow({ entry, now }: { entry: LedgerEntry; now: number }) {
  const elsewhere = !entry.madeHere && !entry.servedHere;
  return (
    <tr data-testid="ledger-row">
      <td className="subscription-resource">
        <div className="mono">{entry.resource}</div>
        <Id value={entry.id} />
        <div className="ledger-seen muted" data-testid="ledger-seen-by">
          seen by {entry.seenBy.join(", ")}
        </div>
        <Who label="creator" value={entry.creatorId} />
        <Who label="app" value={entry.applicationId} />
        {entry.quotas.length > 0 ? (
          <div className="ledger-quotas muted" data-testid="ledger-quotas">
            {entry.quotas.join(" · ")}
          </div>
        ) : null}
      </td>
      <td>{entry.changeType.split(",").join(", ")}</td>
      <td className={`nowrap${entry.expiresAt - now < 15 * 60 ? " expiry-soon" : ""}`} data-testid="ledger-expiry">
        <Expiry at={entry.expiresAt} now={now} />
      </td>
      <td>
        <div className="subscription-url mono" title={entry.notificationUrl}>
          {entry.notificationUrl}
        </div>
        <div className="ledger-badges">
          {entry.madeHere ? (
            <Badge tone="accent" testId="ledger-made-here" title="This app made it and keeps it (renewal, checks, gaps)">
              made here
            </Badge>
          ) : null}
          {entry.servedHere ? (
            <Badge tone="accent" testId="ledger-served-here" title="Its notification URL is this app's receiver">
              served here
            </Badge>
          ) : null}
          {elsewhere ? (
            <Badge testId="ledger-elsewhere" title="Not made by this app, and its notifications go to another receiver">
              points elsewhere
            </Badge>
          ) : null}
          {entry.overlaps.length > 0 ? (
            <Badge tone="warn" testId="ledger-overlap" title={`Same resource as: ${entry.overlaps.join(", ")}`}>
              overlaps {entry.overlaps.length}
            </Badge>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

/** The panel. `now` (Unix seconds) moves the "expires in" texts along. */
export function Ledger({ now }: { now: number }) {
  const [opened, setOpened] = useState(false);
  const ledger = useQuery({ queryKey: ledgerKey, queryFn: () => call("subscription_ledger", null), enabled: opened });
  const data = ledger.data;
  return (
    <Panel
      title="All accounts"
      testId="ledger"
      description="Every connected account's subscriptions, merged: who sees each, where it points, and who made it."
    >
      <div className="log-actions">
        {opened ? (
          <Button
            data-testid="ledger-refresh"
            disabled={ledger.isFetching}
            onClick={() => {
              void ledger.refetch();
            }}
          >
            {ledger.isFetching ? "Refreshing…" : "Refresh"}
          </Button>
        ) : (
          <Button
            data-testid="ledger-load"
            title="Asks Graph once for each connected account"
            onClick={() => {
              setOpened(true);
            }}
          >
            Show every account's subscriptions
          </Button>
        )}
      </div>
      {ledger.error ? <ErrorBanner error={ledger.error} title="The subscriptions of every account could not be read" /> : null}
      {opened && ledger.isPending ? <p className="muted">Asking Graph…</p> : null}
      {data ? (
        <>
          {data.accounts.length > 0 ? (
            <ul className="ledger-accounts">
              {data.accounts.map((account, i) => (
                <li key={`${account.name}-${String(i)}`} data-testid="ledger-account">
                  <strong>{account.name}</strong>: <Prose text={account.lists} />
                </li>
              ))}
            </ul>
          ) : null}
          {data.problems.map((problem, i) => (
            <Banner key={`${problem.account}-${String(i)}`} tone="warning" title={`${problem.account} could not list its subscriptions`} testId="ledger-problem">
              <p className="banner-message">
                <Prose text={problem.message} />
              </p>
            </Banner>
          ))}
          {data.entries.length === 0 ? (
            <p className="muted" data-testid="ledger-empty">
              No account sees any subscription.
            </p>
          ) : (
            <div className="health-scroll">
              <table className="subscription-table" data-testid="ledger-table">
                <thead>
                  <tr>
                    <th>Resource</th>
                    <th>Changes</th>
                    <th>Expires</th>
                    <th>Points to</th>
                  </tr>
                </thead>
                <tbody>
                  {data.entries.map((entry, i) => (
                    <EntryRow key={`${entry.cloud}-${entry.id}-${String(i)}`} entry={entry} now={now} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </Panel>
  );
}
