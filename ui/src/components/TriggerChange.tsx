// "Trigger a change" (shared by the Create result, the Subscriptions rows and the Inspector's
// empty state): makes the change a subscription watches happen, so a notification arrives
// without leaving the app. The backend plans first (the exact requests, the permission they need);
// on the sandbox the change is made at once, on a real tenant the plan is shown and confirmed, and
// what is sent is the plan's requests, byte for byte (the plan's `at` goes back with the request).
import { useState } from "react";

import { ErrorBanner } from "./Banner";
import { Button } from "./Button";
import { Segmented } from "./Segmented";
import type { ChangeKind, TriggerDone, TriggerPlan, TriggerRequest } from "../ipc/bindings";
import { useCommand } from "../ipc/queries";

const labels: Record<ChangeKind, string> = { created: "Created", updated: "Updated", deleted: "Deleted" };

/** The change types a subscription's `created,updated` string allows, in Graph's order. */
export function changeKinds(changeType: string): ChangeKind[] {
  const wanted = changeType.split(",").map((c) => c.trim());
  return (["created", "updated", "deleted"] as const).filter((k) => wanted.includes(k));
}

function Plan({ plan }: { plan: TriggerPlan }) {
  return (
    <div className="trigger-plan" data-testid="trigger-plan">
      <p>{plan.summary}</p>
      <ol className="trigger-requests">
        {plan.requests.map((r, i) => (
          <li key={i}>
            <div className="mono">
              <strong>{r.method}</strong> {plan.base}
              {r.path}
            </div>
            {r.body !== null ? <pre className="trigger-body">{JSON.stringify(r.body, null, 2)}</pre> : null}
          </li>
        ))}
      </ol>
      {plan.permissions.length > 0 ? (
        <p className="muted">
          Needs {plan.permissions.length > 1 ? "one of " : ""}
          {plan.permissions.join(", ")}.
        </p>
      ) : null}
    </div>
  );
}

function Done({ done, onOpenInspector }: { done: TriggerDone; onOpenInspector: (() => void) | undefined }) {
  const nobody = done.matchedSubscriptions === 0;
  return (
    <div className={`trigger-done${nobody ? " trigger-nobody" : ""}`} data-testid="trigger-done" role="status">
      <p>{done.summary}</p>
      <ul className="trigger-sent mono">
        {done.sent.map((s, i) => (
          <li key={i}>
            {s.status} {s.method} {s.url}
          </li>
        ))}
      </ul>
      {onOpenInspector && !nobody ? (
        <Button data-testid="trigger-open-inspector" onClick={onOpenInspector}>
          See it in the Inspector
        </Button>
      ) : null}
    </div>
  );
}

export function TriggerChange({
  accountId,
  resource,
  changeType,
  onOpenInspector,
}: {
  accountId: string;
  resource: string;
  /** The subscription's change types (`created,updated`): the choices offered. */
  changeType: string;
  onOpenInspector?: () => void;
}) {
  const kinds = changeKinds(changeType);
  const [kind, setKind] = useState<ChangeKind>(kinds[0] ?? "created");
  const [plan, setPlan] = useState<TriggerPlan | null>(null);
  const planner = useCommand("trigger_plan");
  const trigger = useCommand("trigger_change");
  const permit = useCommand("account_request_permissions");
  const request: TriggerRequest = { accountId, resource, changeType: kind };
  const busy = planner.isPending || trigger.isPending || permit.isPending;

  const send = (shown: TriggerPlan) => {
    trigger.mutate({ ...request, via: shown.via, at: shown.at }, { onSuccess: () => { setPlan(null); } });
  };
  const start = () => {
    trigger.reset();
    planner.mutate(request, {
      onSuccess: (made) => {
        if (made.confirm || made.missingPermission !== null) setPlan(made);
        else send(made);
      },
    });
  };
  const error = planner.error ?? trigger.error ?? permit.error;

  return (
    <div className="trigger-change" data-testid="trigger-change">
      <div className="trigger-row">
        {kinds.length > 1 ? (
          <Segmented
            id="trigger-kind"
            value={kind}
            disabled={busy}
            options={kinds.map((k) => ({ value: k, label: labels[k] }))}
            onChange={(k) => {
              setKind(k);
              setPlan(null);
            }}
          />
        ) : null}
        <Button variant="primary" data-testid="trigger-change-button" disabled={busy || plan !== null} onClick={start}>
          {trigger.isPending ? "Changing…" : "Trigger a change"}
        </Button>
      </div>
      {plan ? (
        <div className="trigger-confirm">
          <Plan plan={plan} />
          {plan.missingPermission ? (
            <p className="trigger-missing" data-testid="trigger-missing">
              {plan.canAsk
                ? `This account has not been granted ${plan.missingPermission}. Ask for it (you sign in again and consent), then make the change.`
                : `This app registration has not been granted the application permission ${plan.missingPermission}. An administrator grants it in the Entra admin center (API permissions → Grant admin consent); then check the account again.`}
            </p>
          ) : null}
          <div className="trigger-row">
            {plan.missingPermission && plan.canAsk ? (
              <Button
                variant="primary"
                data-testid="trigger-permit"
                disabled={busy}
                onClick={() => {
                  permit.mutate({ id: accountId, scopes: [plan.missingPermission ?? ""] }, { onSuccess: start });
                }}
              >
                Ask for {plan.missingPermission}
              </Button>
            ) : plan.missingPermission ? null : (
              <Button variant="primary" data-testid="trigger-confirm" disabled={busy} onClick={() => { send(plan); }}>
                {plan.requests.length > 1 ? `Send these ${String(plan.requests.length)} requests` : "Send this request"}
              </Button>
            )}
            <Button variant="ghost" disabled={busy} onClick={() => { setPlan(null); }}>
              Cancel
            </Button>
          </div>
        </div>
      ) : null}
      {trigger.data ? <Done done={trigger.data} onOpenInspector={onOpenInspector} /> : null}
      {error ? <ErrorBanner error={error} title="No change was made" /> : null}
    </div>
  );
}
