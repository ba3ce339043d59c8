// Creates the subscription the form describes, pointed at this app's receiver: a preflight of the
// validation handshake first, then Graph. On success it says where notifications will show up.
import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import type { AccountSummary } from "../../ipc/bindings";
import { useCommand } from "../../ipc/queries";

export function CreateSubscription({
  account,
  resource,
  changeTypes,
  expiresInMinutes,
  includeResourceData,
  lifecycleUrl,
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
  return (
    <div className="create-subscription" data-testid="create-subscription">
      <div className="create-row">
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
              skipPreflight: false,
              includeLifecycleUrl: lifecycleUrl,
              // Checked by the form (whole minutes, 1 or more; `blocked` otherwise): sent as typed.
              expirationMinutes: Number(expiresInMinutes.trim()),
            });
          }}
        >
          {create.isPending ? "Creating…" : "Create subscription"}
        </Button>
        <span className="muted">
          {why ?? `As ${account?.config.name ?? ""}, to this app's receiver${includeResourceData ? ", with a certificate made for you" : ""}.`}
        </span>
      </div>
      {created ? (
        <div className="create-done" data-testid="create-done">
          <p>
            Created <code>{created.id}</code>, expires {new Date(created.expirationDateTime).toLocaleString()}. The app renews it before
            then{create.data?.preflight ? ` (validation preflight answered in ${String(create.data.preflight.latencyMs)} ms)` : ""}.
          </p>
          <Button onClick={onOpenInspector} data-testid="open-inspector">
            Watch notifications in the Inspector
          </Button>
        </div>
      ) : null}
      {create.error ? <ErrorBanner error={create.error} title="The subscription was not created" /> : null}
    </div>
  );
}
