// Azure Event Hubs: Graph can deliver to an event hub instead of a webhook. This card keeps the
// connections that read them (a connection string goes to the backend once, in the save call,
// and from there to the system keyring: it is never shown again), starts and stops reading, and
// says what each reading found. What is read appears in the Inspector's list like a webhook POST.
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Prose } from "../../components/Prose";
import { StatusDot } from "../../components/StatusDot";
import type { HubConnectionView, HubSignIn, HubStart } from "../../ipc/bindings";
import { useAccounts, useCommand, useEventHubs } from "../../ipc/queries";
import { AddConnection } from "./AddConnection";
import { brokerOf, readingText } from "./hub";
import "./eventhubs.css";

type From = HubStart["from"];
const fromOptions: { value: From; label: string }[] = [
  { value: "committed", label: "Where it stopped" },
  { value: "start", label: "From the start" },
  { value: "now", label: "Only new events" },
  { value: "time", label: "From a time…" },
];

/** A `datetime-local` value (local time, minutes) for a moment. */
export function localInputValue(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${String(at.getFullYear())}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** Where to start, from the picker: `null` when "a time" is chosen but not a valid one. */
export function startOf(from: From, time: string): HubStart | null {
  if (from !== "time") return { from };
  const at = new Date(time).getTime();
  return Number.isFinite(at) && time !== "" ? { from: "time", at: Math.floor(at / 1000) } : null;
}

/** How a saved connection signs in, in words. */
export function signInText(signIn: HubSignIn, accountName: (id: string) => string | undefined): string {
  switch (signIn.kind) {
    case "connectionString":
      return "signs in with the connection string";
    case "entra":
      return `signs in as ${accountName(signIn.account) ?? "an account no longer here"} (Entra)`;
    case "none":
      return "no sign-in";
  }
}

function HubRow({ view }: { view: HubConnectionView }) {
  const { connection } = view;
  const name = connection.name;
  const accounts = useAccounts().data?.accounts ?? [];
  const accountName = (id: string) => accounts.find((a) => a.config.id === id)?.config.name;
  const read = useCommand("event_hub_read");
  const stop = useCommand("event_hub_stop");
  const remove = useCommand("event_hub_remove");
  const [from, setFrom] = useState<From>("committed");
  // An hour ago by default: a time in local time, read as the hub's enqueued times.
  const [time, setTime] = useState(() => localInputValue(new Date(Date.now() - 3600_000)));
  const start = startOf(from, time);
  const [confirming, setConfirming] = useState(false);
  const error = read.error ?? stop.error ?? remove.error;
  return (
    <li className="event-hub-row" data-testid={`event-hub-row-${name}`} data-reading={view.reading}>
      <div className="event-hub-main">
        <div className="event-hub-name">
          <StatusDot tone={view.problem ? "warn" : view.reading ? "ok" : "idle"} />
          <strong>{name}</strong>
          <code className="mono" title="Event hub">
            {connection.hub}
          </code>
        </div>
        <div className="event-hub-facts muted">
          <span className="mono" title="Broker">
            {brokerOf(connection)}
          </span>
          <span>
            consumer group <code className="mono">{connection.consumerGroup}</code>
          </span>
          <span data-testid={`event-hub-sign-in-${name}`}>{signInText(connection.signIn, accountName)}</span>
        </div>
        <div className={view.reading ? "event-hub-reading" : "muted"} data-testid={`event-hub-state-${name}`}>
          {readingText(view)}
        </div>
        {view.problem ? (
          <p className="event-hub-problem" role="status" data-testid={`event-hub-problem-${name}`}>
            <Prose text={view.problem} />
          </p>
        ) : null}
      </div>
      <div className="event-hub-actions">
        {view.reading ? (
          <Button
            data-testid={`event-hub-stop-${name}`}
            disabled={stop.isPending}
            onClick={() => {
              stop.mutate({ name });
            }}
          >
            {stop.isPending ? "Stopping…" : "Stop"}
          </Button>
        ) : (
          <>
            <select
              className="select event-hub-from"
              aria-label={`Where to start reading ${name}`}
              data-testid={`event-hub-from-${name}`}
              value={from}
              onChange={(e) => {
                setFrom(e.target.value as From);
              }}
            >
              {fromOptions.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            {from === "time" ? (
              <input
                type="datetime-local"
                className="input event-hub-time"
                aria-label={`Read ${name} from events enqueued at or after (local time)`}
                aria-invalid={start === null}
                aria-describedby={start === null ? `event-hub-time-error-${name}` : undefined}
                title="Events enqueued at or after this local time; a time past the newest event starts at the end."
                data-testid={`event-hub-time-${name}`}
                value={time}
                onChange={(e) => {
                  setTime(e.target.value);
                }}
              />
            ) : null}
            {start === null ? (
              <span className="field-error event-hub-time-error" id={`event-hub-time-error-${name}`}>
                Pick a date and time to read from.
              </span>
            ) : null}
            <Button
              variant="primary"
              data-testid={`event-hub-read-${name}`}
              disabled={read.isPending || start === null}
              onClick={() => {
                if (start) read.mutate({ name, start });
              }}
            >
              {read.isPending ? "Starting…" : "Read"}
            </Button>
          </>
        )}
        {confirming ? (
          <>
            <span className="event-hub-confirm">Remove it and its secret?</span>
            <Button
              data-testid={`event-hub-remove-confirm-${name}`}
              disabled={remove.isPending}
              onClick={() => {
                remove.mutate({ name });
              }}
            >
              Remove
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Keep
            </Button>
          </>
        ) : (
          <Button
            variant="ghost"
            data-testid={`event-hub-remove-${name}`}
            onClick={() => {
              setConfirming(true);
            }}
          >
            Remove…
          </Button>
        )}
      </div>
      {error ? (
        <div className="event-hub-banner">
          <ErrorBanner error={error} title={`Event hub ${name}`} />
        </div>
      ) : null}
    </li>
  );
}

export function EventHubsCard() {
  const hubs = useEventHubs();
  const [adding, setAdding] = useState(false);
  const list = hubs.data ?? [];
  return (
    <section className="event-hubs-card" data-testid="event-hubs-card" aria-labelledby="event-hubs-title">
      <header className="event-hubs-head">
        <h2 className="event-hubs-title" id="event-hubs-title">
          Azure Event Hubs
        </h2>
        {adding ? null : (
          <Button
            data-testid="event-hub-add"
            onClick={() => {
              setAdding(true);
            }}
          >
            Add a connection
          </Button>
        )}
      </header>
      {hubs.error ? <ErrorBanner error={hubs.error} title="The event hub connections could not be read" /> : null}
      {hubs.isSuccess && list.length === 0 && !adding ? (
        <p className="muted event-hubs-empty">
          Graph can send notifications to an event hub instead of a webhook. Add a connection to read one here: its events show in
          the list below.
        </p>
      ) : null}
      {list.length > 0 ? (
        <ul className="event-hub-list">
          {list.map((view) => (
            <HubRow key={view.connection.name} view={view} />
          ))}
        </ul>
      ) : null}
      {adding ? (
        <AddConnection
          onDone={() => {
            setAdding(false);
          }}
        />
      ) : null}
    </section>
  );
}
