// Where Graph delivers the subscription's notifications: this app's receiver, or an Azure Event
// Hub. For a hub, the `EventHub:` target is built from its parts (or a saved connection), shown as
// it is sent, and checked by the backend with the rest of the subscription.
import type { ReactNode } from "react";

import { useEventHubs } from "../../ipc/queries";
import { namespaceHost } from "../eventhubs/hub";
import { type Delivery, deliveryProblem, deliveryTarget, deliveryTenant } from "./builder";

/** The Graph Change Tracking app: it writes to the hub, so it needs the sender role there. */
export const CHANGE_TRACKING_APP_ID = "0bf30f3b-4a52-48df-9a82-234910c4a086";

function Input({
  testId,
  label,
  value,
  placeholder,
  help,
  onChange,
}: {
  testId: string;
  label: string;
  value: string;
  placeholder?: string;
  help?: ReactNode;
  onChange: (value: string) => void;
}) {
  return (
    <label className="option">
      <span className="option-label">{label}</span>
      <input
        className="input mono"
        data-testid={testId}
        value={value}
        placeholder={placeholder}
        maxLength={256}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
      {help ? <span className="field-help">{help}</span> : null}
    </label>
  );
}

export function DeliverTo({
  delivery,
  accountTenant,
  onChange,
}: {
  delivery: Delivery;
  /** The account in use's tenant: the tenant until one is typed. */
  accountTenant: string | undefined;
  onChange: (delivery: Delivery) => void;
}) {
  const hubs = useEventHubs();
  const saved = hubs.data ?? [];
  const set = (patch: Partial<Delivery>) => {
    onChange({ ...delivery, ...patch });
  };
  const toHub = delivery.to === "eventHub";
  const target = deliveryTarget(delivery, accountTenant);
  const problem = deliveryProblem(delivery, accountTenant);
  const host = namespaceHost(delivery.namespace);
  // The saved connection the form shows, if it shows one.
  const picked = saved.find((h) => h.connection.namespace === host && h.connection.hub === delivery.hub.trim())?.connection.name ?? "";
  return (
    <fieldset className="deliver-to" data-testid="deliver-to">
      <legend className="option-label">Deliver to</legend>
      <div className="deliver-to-choices" role="radiogroup" aria-label="Deliver to">
        <label className="check-row">
          <input
            type="radio"
            name="deliver-to"
            data-testid="deliver-to-receiver"
            checked={!toHub}
            onChange={() => {
              set({ to: "receiver" });
            }}
          />
          This app's receiver
        </label>
        <label className="check-row">
          <input
            type="radio"
            name="deliver-to"
            data-testid="deliver-to-event-hub"
            checked={toHub}
            onChange={() => {
              set({ to: "eventHub" });
            }}
          />
          Azure Event Hub
        </label>
      </div>
      {toHub ? (
        <div className="deliver-to-hub">
          {saved.length > 0 ? (
            <label className="option">
              <span className="option-label">Use a saved connection</span>
              <select
                className="select"
                data-testid="hub-connection-pick"
                value={picked}
                onChange={(e) => {
                  const chosen = saved.find((h) => h.connection.name === e.target.value);
                  if (chosen) set({ namespace: chosen.connection.namespace, hub: chosen.connection.hub });
                }}
              >
                <option value="">Choose one…</option>
                {saved.map((h) => (
                  <option key={h.connection.name} value={h.connection.name}>
                    {h.connection.name} ({h.connection.hub})
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <div className="options-grid">
            <Input
              testId="hub-namespace"
              label="Namespace"
              value={delivery.namespace}
              placeholder="contoso"
              help={
                host !== delivery.namespace.trim() ? (
                  <>
                    Sent as <code>{host}</code>
                  </>
                ) : (
                  "Its name, or its host name."
                )
              }
              onChange={(namespace) => {
                set({ namespace });
              }}
            />
            <Input
              testId="hub-name"
              label="Event hub"
              value={delivery.hub}
              placeholder="graph-events"
              onChange={(hub) => {
                set({ hub });
              }}
            />
            <Input
              testId="hub-tenant"
              label="Tenant"
              value={deliveryTenant(delivery, accountTenant)}
              placeholder="contoso.onmicrosoft.com"
              help="The tenant id or domain of the hub's namespace."
              onChange={(tenant) => {
                set({ tenant });
              }}
            />
          </div>
          <div className="resource-string">
            <span className="statusbar-label">notificationUrl</span>
            <code data-testid="hub-target-url">{target}</code>
          </div>
          {problem ? (
            <p className="field-error" data-testid="hub-problem">
              {problem}
            </p>
          ) : null}
          <div className="deliver-to-checklist" data-testid="hub-checklist">
            <strong>Before you create it</strong>
            <ul>
              <li>The namespace needs the Standard tier or above: this app reads the hub through its Kafka endpoint.</li>
              <li>
                Give the Microsoft Graph Change Tracking app (<code>{CHANGE_TRACKING_APP_ID}</code>) the{" "}
                <strong>Azure Event Hubs Data Sender</strong> role on the hub (Access control (IAM) → Add role assignment).
              </li>
              <li>If the namespace has network rules, allow trusted Microsoft services.</li>
              <li>
                There is no validation handshake: Graph sends one validation event to the hub (shown as "validation" in the
                Inspector). Lifecycle events go to the same hub when Lifecycle notification URL is ticked.
              </li>
              <li>Read the hub here with Inspector → Azure Event Hubs.</li>
            </ul>
          </div>
        </div>
      ) : null}
    </fieldset>
  );
}
