import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";
import { Segmented } from "../../components/Segmented";
import type { Settings, SettingsPatch, ThemePreference } from "../../ipc/bindings";
import { useAppInfo, useCommand, useSettings, useUpdateSettings } from "../../ipc/queries";
import { Certificates } from "./Certificates";
import { TestNotification } from "./TestNotification";
import { TunnelForm } from "./TunnelForm";
import { Updates } from "./Updates";

const themeOptions: { value: ThemePreference; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

type Field =
  | "receiverPort"
  | "maxBodyMib"
  | "retentionMaxReceptions"
  | "retentionMaxMib"
  | "headerTimeoutSeconds"
  | "maxConnections"
  | "maxHeaderKib"
  | "recordedRefusalsPerSecond";

/** Fields the running receiver only picks up when it restarts. */
const restartFields: Field[] = ["receiverPort", "maxBodyMib", "headerTimeoutSeconds", "maxConnections", "maxHeaderKib", "recordedRefusalsPerSecond"];

const numberFields: { field: Field; id: string; label: string; help: string }[] = [
  {
    field: "receiverPort",
    id: "receiver-port",
    label: "Receiver port",
    help: "The loopback port notifications arrive on. 0 picks a free port each start.",
  },
  {
    field: "maxBodyMib",
    id: "max-body",
    label: "Maximum body size (MiB)",
    help: "Larger notification bodies are refused with 413 and recorded.",
  },
  { field: "retentionMaxReceptions", id: "retention", label: "Receptions kept", help: "When there are more, the oldest are pruned." },
  {
    field: "retentionMaxMib",
    id: "retention-mib",
    label: "Disk space kept (MiB)",
    help: "When the database takes more (bodies, headers, items, decrypted copies, search), the oldest receptions are pruned.",
  },
  {
    field: "headerTimeoutSeconds",
    id: "header-timeout",
    label: "Header timeout (seconds)",
    help: "A request's headers must arrive within this time; a connection waiting for its next request is closed after it too.",
  },
  { field: "maxConnections", id: "max-connections", label: "Connections", help: "The most open at once; at the cap the longest-idle one is closed." },
  { field: "maxHeaderKib", id: "max-header", label: "Request head (KiB)", help: "Larger request lines and headers are refused with 431 and recorded." },
  {
    field: "recordedRefusalsPerSecond",
    id: "recorded-refusals",
    label: "Refusals recorded per second",
    help: "Requests refused or off the receiver's paths beyond this are counted, not each recorded, so a flood cannot fill the disk.",
  },
];

/** Only the fields the user has edited; the rest show the saved value. */
type Draft = Partial<Record<Field, string>>;

/** Parses a whole number typed by a person; anything else is reported next to the field. */
export function parseWholeNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return null;
  return Number(trimmed);
}

function ReceiverForm({ settings }: { settings: Settings }) {
  const update = useUpdateSettings();
  const restart = useCommand("receiver_start");
  const [draft, setDraft] = useState<Draft>({});
  const [saved, setSaved] = useState(false);

  const text = (field: Field) => draft[field] ?? String(settings[field]);
  const parsed = Object.fromEntries(numberFields.map(({ field }) => [field, parseWholeNumber(text(field))])) as Record<Field, number | null>;
  const notANumber = "Enter a whole number.";
  const port = parsed.receiverPort;
  const portProblem = port !== null && port !== 0 && (port < 1024 || port > 65535) ? "Use 0 (a free port at each start) or 1024 to 65535." : null;
  const dirty = (Object.keys(draft) as Field[]).some((field) => draft[field] !== String(settings[field]));
  const valid = numberFields.every(({ field }) => parsed[field] !== null) && portProblem === null;

  const onChange = (field: Field) => (event: React.ChangeEvent<HTMLInputElement>) => {
    setSaved(false);
    update.reset();
    setDraft({ ...draft, [field]: event.target.value });
  };

  const onSubmit = (event: React.SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const patch: SettingsPatch = {};
    for (const { field } of numberFields) {
      const value = parsed[field];
      if (value === null) return;
      patch[field] = value;
    }
    const needsRestart = restartFields.some((field) => patch[field] !== settings[field]);
    update.mutate(patch, {
      onSuccess: () => {
        setDraft({});
        // The port and the limits apply to a listening receiver only when it restarts; "Saved"
        // shows once that worked too.
        if (needsRestart) {
          restart.mutate(null, {
            onSuccess: () => {
              setSaved(true);
            },
          });
        } else {
          setSaved(true);
        }
      },
    });
  };

  // What the save said sits next to the Save button, where the user is looking.
  return (
    <form className="form-stack" onSubmit={onSubmit} noValidate>
      {numberFields.map(({ field, id, label, help }) => (
        <Field key={field} id={id} label={label} help={help} error={parsed[field] === null ? notANumber : field === "receiverPort" ? portProblem : null}>
          <input
            id={id}
            className="input mono"
            inputMode="numeric"
            value={text(field)}
            aria-invalid={parsed[field] === null || (field === "receiverPort" && portProblem !== null)}
            onChange={onChange(field)}
          />
        </Field>
      ))}
      {update.error ? (
        <ErrorBanner
          error={update.error}
          title="The settings were not saved"
          onDismiss={() => {
            update.reset();
          }}
        />
      ) : null}
      {restart.error ? <ErrorBanner error={restart.error} title="Saved, but the receiver did not restart" /> : null}
      {restart.data?.tunnelProblem ? <ErrorBanner error={restart.data.tunnelProblem} title="The receiver restarted, but the tunnel did not open" /> : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" data-testid="settings-save" disabled={!dirty || !valid || update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </Button>
        <Button
          disabled={!dirty || update.isPending}
          onClick={() => {
            update.reset();
            setDraft({});
          }}
        >
          Revert
        </Button>
        {saved && !dirty ? (
          <span className="saved-note" data-testid="settings-saved">
            Saved
          </span>
        ) : null}
      </div>
    </form>
  );
}

function About() {
  const info = useAppInfo();
  if (info.isError) return <ErrorBanner error={info.error} title="App details are unavailable" />;
  if (!info.data) return <p className="panel-description">Loading…</p>;
  const rows: [string, string][] = [
    ["Version", `${info.data.productName} ${info.data.version}`],
    ["Platform", info.data.platform],
    ["Data folder", info.data.dataDir],
    ["Settings file", info.data.settingsFile],
    ["Log folder", info.data.logDir],
  ];
  return (
    <dl className="details" data-testid="about">
      {rows.map(([label, value]) => (
        <div key={label} className="details-row">
          <dt>{label}</dt>
          <dd className={label === "Version" || label === "Platform" ? "" : "mono"}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function SettingsScreen() {
  const settings = useSettings();
  const update = useUpdateSettings();
  return (
    <div className="screen">
      <PageHeader title="Settings" subtitle="Appearance, secrets, the receiver and its tunnel, certificates, and where your data lives." />
      {settings.isError ? <ErrorBanner error={settings.error} title="Settings could not be loaded" /> : null}
      <Panel title="Appearance">
        <Field id="theme" label="Theme" help="System follows your operating system's light or dark mode.">
          <Segmented
            id="theme"
            value={settings.data?.theme ?? "system"}
            options={themeOptions}
            disabled={!settings.data}
            onChange={(theme) => {
              update.mutate({ theme });
            }}
          />
        </Field>
      </Panel>
      <Panel title="Notifications">
        <Field
          id="desktop-notifications"
          label="Desktop notifications"
          help="When Graph would slow down or drop your receiver's notifications (over 10% or 15% of answers slower than 10 s), and when it answers in time again."
        >
          <label className="check-row">
            <input
              id="desktop-notifications"
              type="checkbox"
              data-testid="desktop-notifications"
              checked={settings.data?.desktopNotifications ?? true}
              disabled={!settings.data}
              onChange={(e) => {
                update.mutate({ desktopNotifications: e.target.checked });
              }}
            />
            Tell me on the desktop
          </label>
          <TestNotification />
        </Field>
      </Panel>
      <Panel title="Secrets" description="Refresh tokens, client secrets and certificate keys.">
        <Field
          id="secret-storage"
          label="Keep secrets in"
          help="The system keyring keeps sign-ins across restarts. Without a keyring, choose this session only: nothing is written to disk and sign-ins are forgotten when the app quits. Takes effect at the next start."
        >
          <Segmented
            id="secret-storage"
            value={settings.data?.secretStorage ?? "keyring"}
            options={[
              { value: "keyring", label: "System keyring" },
              { value: "session", label: "This session only" },
            ]}
            disabled={!settings.data}
            onChange={(secretStorage) => {
              update.mutate({ secretStorage });
            }}
          />
        </Field>
      </Panel>
      <Panel title="Receiver" description="Where Microsoft Graph delivers notifications on this machine.">
        {settings.data ? <ReceiverForm settings={settings.data} /> : <p className="panel-description">Loading…</p>}
      </Panel>
      <Panel title="Tunnel and forwarding" description="How Microsoft Graph reaches your receiver, and where copies go.">
        {settings.data ? <TunnelForm settings={settings.data} /> : <p className="panel-description">Loading…</p>}
      </Panel>
      <Panel title="Certificates" description="For rich notifications: Graph encrypts resource data with the certificate, the app decrypts with its private key (kept in the system keyring).">
        <Certificates />
      </Panel>
      <Panel title="Updates" description="New versions are signed by the publisher; the app installs only what matches its built-in key.">
        {settings.data ? <Updates settings={settings.data} /> : <p className="panel-description">Loading…</p>}
      </Panel>
      <Panel title="About">
        <About />
      </Panel>
    </div>
  );
}
