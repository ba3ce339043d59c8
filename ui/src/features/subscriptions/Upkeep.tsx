// What the app does to keep its own subscriptions alive: the ones that need attention (missed
// notifications, removed by Graph, renewal given up) and the renewal history.
import { Panel } from "../../components/Panel";
import { When } from "../../components/When";
import type { OwnedSubscriptionView, RenewalAction } from "../../ipc/bindings";
import { useOwnedSubscriptions } from "../../ipc/queries";

const actionText: Record<RenewalAction, string> = {
  created: "Created",
  renewed: "Renewed",
  reauthorized: "Reauthorized",
  recreated: "Recreated",
  moved: "Moved to the new URL",
  missed: "Graph missed notifications",
  retry: "Renewal failed, will retry",
  gaveUp: "Renewal gave up",
  ignored: "Ignored",
};

/** The note shown under a subscription made here. */
export function ownedNote(owned: OwnedSubscriptionView | undefined): string | null {
  if (!owned) return null;
  if (owned.state === "active") return owned.includeResourceData ? "Made here · renewed automatically · decrypted with " + (owned.certificateId ?? "?") : "Made here · renewed automatically";
  return owned.note ?? owned.state;
}

export function Upkeep() {
  const owned = useOwnedSubscriptions();
  const attention = (owned.data?.items ?? []).filter((s) => s.state === "missed" || s.state === "removed" || s.state === "failed");
  const history = (owned.data?.history ?? []).slice(0, 30);
  if (!owned.data || (history.length === 0 && attention.length === 0)) return null;
  return (
    <Panel title="Upkeep" description="Subscriptions made in this app are renewed before they expire, reauthorized, recreated when Graph removes them, and moved when the public URL changes.">
      {attention.length > 0 ? (
        <ul className="upkeep-attention" data-testid="upkeep-attention">
          {attention.map((s) => (
            <li key={s.id}>
              <strong>{s.resource}</strong> <span className="muted mono">{s.id}</span>
              <div className="field-error">{s.note ?? s.state}</div>
            </li>
          ))}
        </ul>
      ) : null}
      <table className="subscription-table" data-testid="upkeep-history">
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>Subscription</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {history.map((entry, i) => (
            <tr key={`${entry.at}-${String(i)}`}>
              <td className="nowrap">
                <When at={entry.at} />
              </td>
              <td className={entry.ok ? "" : "field-error"}>{actionText[entry.action]}</td>
              <td className="mono">{entry.subscriptionId.slice(0, 8)}…</td>
              <td className="muted">{entry.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
