// The form that saves an Event Hubs connection: how it signs in (the connection string, an Entra
// account, or nothing for a local broker), where it reads from, and with what TLS. What the
// pickers show is what is sent: with no broker of its own it is Event Hubs, which always wants a
// sign-in, so "No sign-in" is only offered with a broker.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import type { HubSignIn, HubTls, SaveHubConnection } from "../../ipc/bindings";
import { call } from "../../ipc/client";
import { staleAfterCommand } from "../../ipc/invalidation";
import { useAccounts } from "../../ipc/queries";

type SignInChoice = HubSignIn["kind"];

/** Whether a broker (`host:port`) is on this computer, the only kind read without a sign-in
 * (the backend refuses any other, so the choice is not offered). */
export function isLoopbackBroker(broker: string): boolean {
  const at = broker.trim().lastIndexOf(":");
  const host = at > 0 ? broker.trim().slice(0, at) : broker.trim();
  return ["localhost", "127.0.0.1", "[::1]", "::1"].includes(host);
}
const signInOptions: { value: SignInChoice; label: string; localOnly?: boolean }[] = [
  { value: "connectionString", label: "The connection string (shared access key, SASL PLAIN)" },
  { value: "entra", label: "A Microsoft Entra account (OAUTHBEARER)" },
  { value: "none", label: "No sign-in — a broker on this computer that takes none", localOnly: true },
];

type TlsChoice = "system" | "caFile" | "plaintext";
const tlsOptions: { value: TlsChoice; label: string }[] = [
  { value: "system", label: "System certificates" },
  { value: "caFile", label: "Also trust a CA file" },
  { value: "plaintext", label: "None — only for a broker on this computer" },
];

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

/** A labelled one-line text input (its id is also its test id): what is typed is the value. */
function TextRow(props: {
  id: string;
  label: string;
  help?: string;
  value: string;
  onChange: (value: string) => void;
  maxLength?: number;
  placeholder?: string;
  secret?: boolean;
}) {
  return (
    <Row id={props.id} label={props.label} {...(props.help === undefined ? {} : { help: props.help })}>
      <input
        id={props.id}
        className="input mono"
        data-testid={props.id}
        {...(props.secret ? { type: "password", autoComplete: "off" } : {})}
        placeholder={props.placeholder}
        value={props.value}
        maxLength={props.maxLength}
        spellCheck={false}
        onChange={(e) => {
          props.onChange(e.target.value);
        }}
      />
    </Row>
  );
}

/** Saves a connection. The connection string is held only by its input and this save: the
 * mutation is not kept once done (gcTime 0, reset after saving), and the input is cleared. */
export function AddConnection({ onDone }: { onDone: () => void }) {
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
  const [signInChoice, setSignInChoice] = useState<SignInChoice>("connectionString");
  const [namespace, setNamespace] = useState("");
  const [account, setAccount] = useState("");
  const accountsQuery = useAccounts();
  const accounts = accountsQuery.data?.accounts ?? [];
  // Without a broker of its own, it is Event Hubs: it always signs in (the picker shows so).
  const local = isLoopbackBroker(broker);
  const signIn: SignInChoice = signInChoice === "none" && !local ? "connectionString" : signInChoice;
  // The account picked, while it is still there; else the one in use (what the picker shows).
  const picked = accounts.some((a) => a.config.id === account) ? account : "";
  const chosenAccount = picked || (accounts.find((a) => a.current) ?? accounts[0])?.config.id || "";
  const withString = signIn === "connectionString";
  const ready =
    name.trim() !== "" &&
    (withString ? secret.trim() !== "" : namespace.trim() !== "" && hub.trim() !== "") &&
    (signIn !== "entra" || chosenAccount !== "") &&
    (tls !== "caFile" || caFile.trim() !== "");
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
            ...(withString ? { connectionString: secret.trim() } : { namespace: namespace.trim() }),
            // What is left empty is not sent: the backend's defaults apply.
            ...(hub.trim() ? { hub: hub.trim() } : {}),
            ...(group.trim() ? { consumerGroup: group.trim() } : {}),
            ...(broker.trim() ? { broker: broker.trim() } : {}),
            tls: tlsValue,
            signIn: signIn === "entra" ? { kind: "entra", account: chosenAccount } : { kind: signIn },
          },
          { onSuccess: close },
        );
      }}
    >
      <TextRow
        id="event-hub-name"
        label="Name"
        help="What this app calls it."
        value={name}
        onChange={setName}
        maxLength={64}
      />
      <Row id="event-hub-sign-in" label="Sign in with">
        <select
          id="event-hub-sign-in"
          className="select"
          data-testid="event-hub-sign-in"
          value={signIn}
          onChange={(e) => {
            setSignInChoice(e.target.value as SignInChoice);
          }}
        >
          {signInOptions
            .filter((o) => !o.localOnly || local)
            .map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
        </select>
      </Row>
      {withString ? (
        <TextRow
          id="event-hub-connection-string"
          label="Connection string"
          help="Event Hubs namespace → Shared access policies → a policy with Listen → Connection string–primary key; kept in the system keyring"
          value={secret}
          onChange={setSecret}
          secret
        />
      ) : (
        <TextRow
          id="event-hub-namespace"
          label="Namespace"
          help="Event Hubs namespace → Overview → Host name"
          placeholder="contoso.servicebus.windows.net"
          value={namespace}
          onChange={setNamespace}
          maxLength={253}
        />
      )}
      {signIn === "entra" ? (
        <Row
          id="event-hub-account"
          label="Account"
          help="Its token is asked for the namespace (https://<namespace>.servicebus.windows.net). It needs the “Azure Event Hubs Data Receiver” role on the hub or namespace; a user's app registration also needs the “Azure Event Hubs” user_impersonation permission."
        >
          {accountsQuery.isSuccess && accounts.length === 0 ? (
            <p className="field-error" data-testid="event-hub-no-account">
              No account is signed in: add one in Accounts first.
            </p>
          ) : (
            <select
              id="event-hub-account"
              className="select"
              data-testid="event-hub-account"
              value={chosenAccount}
              onChange={(e) => {
                setAccount(e.target.value);
              }}
            >
              {accounts.map((a) => (
                <option key={a.config.id} value={a.config.id} title={a.cloudLabel}>
                  {a.config.name}
                </option>
              ))}
            </select>
          )}
        </Row>
      ) : null}
      <TextRow
        id="event-hub-hub"
        label="Event hub"
        help={withString ? "Optional: the connection string's EntityPath when empty" : "Event Hubs namespace → Event Hubs → its name"}
        value={hub}
        onChange={setHub}
        maxLength={256}
      />
      <TextRow
        id="event-hub-group"
        label="Consumer group"
        help="Optional"
        placeholder="$Default"
        value={group}
        onChange={setGroup}
        maxLength={256}
      />
      <TextRow
        id="event-hub-broker"
        label="Broker"
        help="Optional: host:port — a local Kafka broker instead of the namespace's"
        placeholder="localhost:9092"
        value={broker}
        maxLength={256}
        onChange={(value) => {
          setBroker(value);
          // A broker that is not on this computer wants a sign-in: the choice goes back to
          // the connection string rather than coming back by itself later.
          if (!isLoopbackBroker(value) && signInChoice === "none") setSignInChoice("connectionString");
        }}
      />
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
        <TextRow
          id="event-hub-ca-file"
          label="CA file"
          help="The path of a PEM file on this computer."
          value={caFile}
          onChange={setCaFile}
          maxLength={1024}
        />
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

