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
      ) : (
        <Row id="event-hub-namespace" label="Namespace" help="Event Hubs namespace → Overview → Host name">
          <input
            id="event-hub-namespace"
            className="input mono"
            data-testid="event-hub-namespace"
            placeholder="contoso.servicebus.windows.net"
            value={namespace}
            maxLength={253}
            spellCheck={false}
            onChange={(e) => {
              setNamespace(e.target.value);
            }}
          />
        </Row>
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
      <Row
        id="event-hub-hub"
        label="Event hub"
        help={withString ? "Optional: the connection string's EntityPath when empty" : "Event Hubs namespace → Event Hubs → its name"}
      >
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
            // A broker that is not on this computer wants a sign-in: the choice goes back to
            // the connection string rather than coming back by itself later.
            if (!isLoopbackBroker(e.target.value) && signInChoice === "none") setSignInChoice("connectionString");
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

