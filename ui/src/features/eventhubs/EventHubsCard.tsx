// Azure Event Hubs: Graph can deliver to an event hub instead of a webhook. This card keeps the
// connections that read them (a connection string goes to the backend once, in the save call,
// and from there to the system keyring: it is never shown again), starts and stops reading, and
// says what each reading found. What is read appears in the Inspector's list like a webhook POST.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Prose } from "../../components/Prose";
import { StatusDot } from "../../components/StatusDot";
import type { HubConnectionView, HubStart, HubTls, SaveHubConnection } from "../../ipc/bindings";
import { call } from "../../ipc/client";
import { staleAfterCommand } from "../../ipc/invalidation";
import { useCommand, useEventHubs } from "../../ipc/queries";
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

type TlsChoice = "system" | "caFile" | "plaintext";
const tlsOptions: { value: TlsChoice; label: string }[] = [
  { value: "system", label: "System certificates" },
  { value: "caFile", label: "Also trust a CA file" },
  { value: "plaintext", label: "None — only for a broker on this computer" },
];

function HubRow({ view }: { view: HubConnectionView }) {
  const { connection } = view;
  const name = connection.name;
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

/** A labelled input of the form: label above, help below. */
function Row({ id, label, help, children }: { id: string; label: string; help?: string; children: React.ReactNode }) {
  return (
    <div className="event-hub-field">
      <label className="event-hub-label" htmlFor={id}>
        {label}
      </label>
      {children}
      {help ? (
        <span className="field-help" id={`${id}-help`}>
          {help}
        </span>
      ) : null}
    </div>
  );
}

/** Saves a connection. The connection string is held only by its input and this save: the
 * mutation is not kept once done (gcTime 0, reset after saving), and the input is cleared. */
function AddConnection({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (request: SaveHubConnection) => call("event_hub_save", request),
    gcTime: 0,
    onSettled: () => {
      for (const key of staleAfterCommand.event_hub_save) void client.invalidateQueries({ queryKey: key });
    },
  });
  const [name, setName] = useState("");
  const [secret, setSecret] = useState("");
  const [hub, setHub] = useState("");
  const [group, setGroup] = useState("");
  const [broker, setBroker] = useState("");
  const [tls, setTls] = useState<TlsChoice>("system");
  const [caFile, setCaFile] = useState("");
  const [sasl, setSasl] = useState(true);
  const ready = name.trim() !== "" && secret.trim() !== "" && (tls !== "caFile" || caFile.trim() !== "");
  const close = () => {
    setSecret("");
    save.reset();
    onDone();
  };
  return (
    <form
      className="event-hub-form"
      data-testid="event-hub-form"
      autoComplete="off"
      onSubmit={(event) => {
        event.preventDefault();
        if (!ready || save.isPending) return;
        const tlsValue: HubTls = tls === "caFile" ? { caFile: caFile.trim() } : tls;
        save.mutate(
          {
            name: name.trim(),
            connectionString: secret.trim(),
            // What is left empty is not sent: the backend's defaults apply.
            ...(hub.trim() ? { hub: hub.trim() } : {}),
            ...(group.trim() ? { consumerGroup: group.trim() } : {}),
            ...(broker.trim() ? { broker: broker.trim() } : {}),
            tls: tlsValue,
            // Without a broker of its own, it is Event Hubs: it always signs in.
            sasl: broker.trim() ? sasl : true,
          },
          { onSuccess: close },
        );
      }}
    >
      <Row id="event-hub-name" label="Name" help="What this app calls it.">
        <input
          id="event-hub-name"
          className="input mono"
          data-testid="event-hub-name"
          value={name}
          maxLength={64}
          spellCheck={false}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </Row>
      <Row
        id="event-hub-connection-string"
        label="Connection string"
        help="Event Hubs namespace → Shared access policies → a policy with Listen → Connection string–primary key; kept in the system keyring"
      >
        <input
          id="event-hub-connection-string"
          className="input mono"
          type="password"
          autoComplete="off"
          spellCheck={false}
          data-testid="event-hub-connection-string"
          value={secret}
          onChange={(e) => {
            setSecret(e.target.value);
          }}
        />
      </Row>
      <Row id="event-hub-hub" label="Event hub" help="Optional: the connection string's EntityPath when empty">
        <input
          id="event-hub-hub"
          className="input mono"
          data-testid="event-hub-hub"
          value={hub}
          maxLength={256}
          spellCheck={false}
          onChange={(e) => {
            setHub(e.target.value);
          }}
        />
      </Row>
      <Row id="event-hub-group" label="Consumer group" help="Optional">
        <input
          id="event-hub-group"
          className="input mono"
          data-testid="event-hub-group"
          placeholder="$Default"
          value={group}
          maxLength={256}
          spellCheck={false}
          onChange={(e) => {
            setGroup(e.target.value);
          }}
        />
      </Row>
      <Row id="event-hub-broker" label="Broker" help="Optional: host:port — a local Kafka broker instead of the namespace's">
        <input
          id="event-hub-broker"
          className="input mono"
          data-testid="event-hub-broker"
          placeholder="localhost:9092"
          value={broker}
          maxLength={256}
          spellCheck={false}
          onChange={(e) => {
            setBroker(e.target.value);
          }}
        />
      </Row>
      <Row id="event-hub-tls" label="TLS">
        <select
          id="event-hub-tls"
          className="select"
          data-testid="event-hub-tls"
          value={tls}
          onChange={(e) => {
            setTls(e.target.value as TlsChoice);
          }}
        >
          {tlsOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </Row>
      {tls === "caFile" ? (
        <Row id="event-hub-ca-file" label="CA file" help="The path of a PEM file on this computer.">
          <input
            id="event-hub-ca-file"
            className="input mono"
            data-testid="event-hub-ca-file"
            value={caFile}
            maxLength={1024}
            spellCheck={false}
            onChange={(e) => {
              setCaFile(e.target.value);
            }}
          />
        </Row>
      ) : null}
      {broker.trim() ? (
        <label className="check-row">
          <input
            type="checkbox"
            data-testid="event-hub-sasl"
            checked={sasl}
            onChange={(e) => {
              setSasl(e.target.checked);
            }}
          />
          Sign in with the connection string (SASL PLAIN, as Event Hubs does); untick for a local broker that takes no
          sign-in
        </label>
      ) : null}
      {save.error ? <ErrorBanner error={save.error} title="The connection was not saved" /> : null}
      <div className="event-hub-form-actions">
        <Button type="submit" variant="primary" data-testid="event-hub-save" disabled={!ready || save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
        <Button variant="ghost" onClick={close}>
          Cancel
        </Button>
      </div>
    </form>
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
