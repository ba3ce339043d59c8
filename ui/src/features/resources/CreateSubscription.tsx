// Creates the subscription the form describes, pointed at this app's receiver (a preflight of the
// validation handshake first, then Graph) or at an Azure Event Hub (no handshake: Graph sends a
// validation event to the hub). The Create button sits in a bar that stays at the bottom
// of the screen while the form scrolls; the result appears above it, scrolled into view, with
// "Trigger a change" and "Open in Inspector", the next two steps of the loop.
import { useEffect, useRef } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import type { AccountSummary } from "../../ipc/bindings";
import { useCommand } from "../../ipc/queries";
import { TriggerChange } from "../../components/TriggerChange";
import { When } from "../../components/When";

export function CreateSubscription({
  account,
  resource,
  changeTypes,
  expiresInMinutes,
  includeResourceData,
  lifecycleUrl,
  eventHub = null,
  blocked,
  onOpenInspector,
}: {
  account: AccountSummary | undefined;
  resource: string;
  changeTypes: string[];
  expiresInMinutes: string;
  includeResourceData: boolean;
  /** The form's "Lifecycle notification URL" box (the preview shows the same). */
  lifecycleUrl: boolean;
  /** Deliver to an event hub instead of the receiver: the `EventHub:` target sent, and the hub. */
  eventHub?: { target: string; hub: string } | null;
  blocked: string | null;
  onOpenInspector: () => void;
}) {
  const create = useCommand("subscription_create");
  const why = !account
    ? "Add an account first (Accounts)."
    : changeTypes.length === 0
      ? "Choose at least one change type."
      : blocked;
  const created = create.data?.subscription.subscription;
  const result = useRef<HTMLDivElement>(null);
  const outcome = created?.id ?? create.error?.message;
  useEffect(() => {
    if (outcome !== undefined) result.current?.scrollIntoView({ block: "nearest" });
  }, [outcome]);
  return (
    <>
      <div ref={result} className="create-result">
        {created && account ? (
          <div className="create-done" data-testid="create-done">
            {eventHub ? (
              <p>
                Created <code>{created.id}</code>, expires <When at={created.expirationDateTime} />. The app renews it before then.
                Graph sends its notifications to the event hub <code>{eventHub.hub}</code>: read it with Inspector → Azure Event Hubs
                to see them.
              </p>
            ) : (
              <p>
                Created <code>{created.id}</code>, expires <When at={created.expirationDateTime} />. The app renews it before
                then{create.data?.preflight ? ` (validation preflight answered in ${String(create.data.preflight.latencyMs)} ms)` : ""}. Make
                a change happen and its notification arrives in the Inspector.
              </p>
            )}
            <div className="create-next">
              <TriggerChange key={created.id} accountId={account.config.id} resource={created.resource} changeType={created.changeType} />
              <Button onClick={onOpenInspector} data-testid="open-inspector">
                Open in Inspector
              </Button>
            </div>
          </div>
        ) : null}
        {create.error ? <ErrorBanner error={create.error} title="The subscription was not created" /> : null}
      </div>
      <div className="create-bar" data-testid="create-subscription">
        <Button
          variant="primary"
          data-testid="create-subscription-button"
          disabled={why !== null || create.isPending}
          onClick={() => {
            if (!account) return;
            create.mutate({
              accountId: account.config.id,
              resource,
              changeType: changeTypes.join(","),
              includeResourceData,
              // A hub has no validation handshake to try first.
              skipPreflight: eventHub !== null,
              includeLifecycleUrl: lifecycleUrl,
              ...(eventHub ? { deliveryTarget: eventHub.target } : {}),
              // Checked by the form (whole minutes, 1 or more; `blocked` otherwise): sent as typed.
              expirationMinutes: Number(expiresInMinutes.trim()),
            });
          }}
        >
          {create.isPending ? "Creating…" : "Create subscription"}
        </Button>
        <span className="muted create-bar-text">
          {why ?? (
            <>
              <code>{resource}</code> as {account?.config.name ?? ""},{" "}
              {eventHub ? (
                <>
                  to the event hub <code>{eventHub.hub}</code>
                </>
              ) : (
                "to this app's receiver"
              )}
              {includeResourceData ? ", with a certificate made for you" : ""}.
            </>
          )}
        </span>
      </div>
    </>
  );
}
