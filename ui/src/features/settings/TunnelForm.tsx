// How Graph reaches this computer: no tunnel (the sandbox), ngrok inside the app (authtoken in
// the system keyring), or a public URL the user runs; plus where to forward notifications.
// Saving restarts the receiver, and the app moves its subscriptions to the new URL.
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { Segmented } from "../../components/Segmented";
import type { Settings, TunnelKind } from "../../ipc/bindings";
import { useCommand, useReceiver, useUpdateSettings } from "../../ipc/queries";

const kinds: { value: TunnelKind; label: string }[] = [
  { value: "none", label: "None (sandbox)" },
  { value: "ngrok", label: "ngrok" },
  { value: "url", label: "My own URL" },
];

export function TunnelForm({ settings }: { settings: Settings }) {
  const update = useUpdateSettings();
  const restart = useCommand("receiver_start");
  const saveToken = useCommand("ngrok_authtoken_set");
  const receiver = useReceiver();
  const [kind, setKind] = useState<TunnelKind>(settings.tunnel);
  const [url, setUrl] = useState(settings.tunnelUrl);
  const [domain, setDomain] = useState(settings.ngrokDomain);
  const [forward, setForward] = useState(settings.forwardTo);
  const [token, setToken] = useState("");
  const [applied, setApplied] = useState(false);
  const dirty =
    kind !== settings.tunnel ||
    (kind === "url" && url !== settings.tunnelUrl) ||
    (kind === "ngrok" && domain !== settings.ngrokDomain) ||
    forward !== settings.forwardTo;
  const tokenSaved = receiver.data?.ngrokAuthtokenSaved ?? false;

  const apply = (event: React.SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setApplied(false);
    // Only what the chosen kind shows is sent (and so checked): a URL typed under "My own URL"
    // and hidden again by choosing another kind is neither saved nor held against the save.
    update.mutate(
      {
        tunnel: kind,
        ...(kind === "url" ? { tunnelUrl: url } : {}),
        ...(kind === "ngrok" ? { ngrokDomain: domain } : {}),
        forwardTo: forward,
      },
      {
        onSuccess: () => {
          restart.mutate(null, {
            onSuccess: (started) => {
              setApplied(started.tunnelProblem === undefined);
            },
          });
        },
      },
    );
  };

  return (
    <form className="form-stack" onSubmit={apply} noValidate data-testid="tunnel-form">
      <Field id="tunnel-kind" label="Public URL" help="Microsoft Graph only delivers to public https URLs. The sandbox tenant delivers to this computer directly.">
        <Segmented id="tunnel-kind" value={kind} options={kinds} onChange={(k) => { setKind(k); setApplied(false); }} />
      </Field>
      {kind === "ngrok" ? (
        <>
          <Field
            id="ngrok-token"
            label="ngrok authtoken"
            help={tokenSaved ? "An authtoken is saved in the system keyring (or NGROK_AUTHTOKEN is set). Paste a new one to replace it." : "From dashboard.ngrok.com → Your Authtoken. Kept in the system keyring, never in the settings file."}
          >
            <div className="inline-field">
              <input
                id="ngrok-token"
                className="input mono"
                type="password"
                autoComplete="off"
                value={token}
                placeholder={tokenSaved ? "•••••••• saved" : "2abc…"}
                onChange={(e) => { setToken(e.target.value); saveToken.reset(); }}
              />
              <Button
                disabled={token.trim() === "" || saveToken.isPending}
                onClick={() => {
                  saveToken.mutate({ value: token.trim() }, { onSuccess: () => { setToken(""); } });
                }}
              >
                Save authtoken
              </Button>
              {tokenSaved ? (
                <Button variant="ghost" disabled={saveToken.isPending} onClick={() => { saveToken.mutate({ value: "" }); }}>
                  Remove
                </Button>
              ) : null}
            </div>
          </Field>
          <Field id="ngrok-domain" label="Reserved domain (optional)" help="Your static domain from the ngrok dashboard keeps the URL the same across restarts. Empty: a new random URL each start.">
            <input id="ngrok-domain" className="input mono" value={domain} placeholder="contoso-dev.ngrok-free.app" maxLength={253} onChange={(e) => { setDomain(e.target.value); }} />
          </Field>
        </>
      ) : null}
      {kind === "url" ? (
        <Field
          id="tunnel-url"
          label="Your public URL"
          help={`The https address your reverse proxy, dev tunnel or cloudflared forwards to http://127.0.0.1:${String(settings.receiverPort || "<receiver port>")}. Set a fixed receiver port (Receiver, above) for it to stay valid.`}
        >
          <input id="tunnel-url" className="input mono" value={url} placeholder="https://hooks.example.com" maxLength={2048} onChange={(e) => { setUrl(e.target.value); }} />
        </Field>
      ) : null}
      <Field id="forward-to" label="Forward notifications to (optional)" help="Every notification is also POSTed here after it is stored, e.g. your own service on localhost. Its answer is kept with the reception.">
        <input id="forward-to" className="input mono" value={forward} placeholder="http://localhost:3000/api/notifications" maxLength={2048} onChange={(e) => { setForward(e.target.value); }} />
      </Field>
      {update.error ? <ErrorBanner error={update.error} title="Not saved" /> : null}
      {restart.error ? <ErrorBanner error={restart.error} title="Saved, but the receiver did not restart" /> : null}
      {restart.data?.tunnelProblem ? <ErrorBanner error={restart.data.tunnelProblem} title="Saved; the receiver listens, but the tunnel did not open" /> : null}
      {saveToken.error ? <ErrorBanner error={saveToken.error} title="The authtoken was not saved" /> : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" data-testid="tunnel-apply" disabled={!dirty || update.isPending || restart.isPending}>
          {update.isPending || restart.isPending ? "Applying…" : "Save and restart the receiver"}
        </Button>
        {applied && !dirty ? (
          <span className="saved-note" data-testid="tunnel-applied">
            Applied
          </span>
        ) : null}
      </div>
    </form>
  );
}
