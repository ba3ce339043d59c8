// New versions: look, read the release notes, download and verify the signature, then install.
// The release notes come from outside (the update manifest): shown as text, never as HTML.
import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { When } from "../../components/When";
import type { Settings, UpdateOffer } from "../../ipc/bindings";
import { useAnnouncedUpdate, useCommand, useUpdateSettings } from "../../ipc/queries";

/** A download's size as people read it. */
export function byteSize(bytes: number): string {
  if (bytes < 1_000) return `${String(bytes)} bytes`;
  if (bytes < 1_000_000) return `${(bytes / 1_000).toFixed(0)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function Offer({ offer }: { offer: UpdateOffer }) {
  const download = useCommand("updates_download");
  const install = useCommand("updates_install");
  const ready = download.data?.version === offer.version ? download.data : null;
  return (
    <div className="update-offer" data-testid="update-offer">
      <p className="update-headline">
        Version <strong>{offer.version}</strong> is available. You have {offer.current}.
        {offer.published ? <span className="field-help"> Published <When at={offer.published} style="date" />.</span> : null}
      </p>
      <span className="update-label">Release notes</span>
      <pre className="release-notes" data-testid="release-notes">
        {offer.notes.trim() === "" ? "(The release has no notes.)" : offer.notes}
      </pre>
      {download.error ? <ErrorBanner error={download.error} title="The update was not downloaded" /> : null}
      {install.error ? <ErrorBanner error={install.error} title="The update was not installed" /> : null}
      {ready ? (
        <p className="saved-note" data-testid="update-verified">
          Downloaded {byteSize(ready.bytes)}; the signature matches this app's publisher.
        </p>
      ) : null}
      <div className="update-actions">
        {ready ? (
          <Button variant="primary" data-testid="update-install" disabled={install.isPending} onClick={() => { install.mutate(null); }}>
            {install.isPending ? "Installing…" : "Install and restart"}
          </Button>
        ) : (
          <Button variant="primary" data-testid="update-download" disabled={download.isPending} onClick={() => { download.mutate(null); }}>
            {download.isPending ? "Downloading…" : "Download and verify"}
          </Button>
        )}
      </div>
    </div>
  );
}

export function Updates({ settings }: { settings: Settings }) {
  const check = useCommand("updates_check");
  const update = useUpdateSettings();
  // An offer the start-up look announced (`updateAvailable`), until a check here answers.
  const announced = useAnnouncedUpdate();
  const found = check.data;
  const offer = found ? (found.state === "available" ? found.offer : null) : (announced.data ?? null);
  return (
    <div className="form-stack" data-testid="updates">
      <Field id="updates-at-start" label="At start-up" help="Off unless you turn it on. The look runs in the background and never delays the start.">
        <label className="check-row">
          <input
            id="updates-at-start"
            type="checkbox"
            data-testid="updates-at-start"
            checked={settings.checkUpdatesAtStart}
            onChange={(e) => { update.mutate({ checkUpdatesAtStart: e.target.checked }); }}
          />
          Look for a new version when the app starts
        </label>
      </Field>
      <div className="form-actions">
        <Button data-testid="updates-check" disabled={check.isPending} onClick={() => { check.mutate(null); }}>
          {check.isPending ? "Checking…" : "Check for updates"}
        </Button>
        {found?.state === "upToDate" ? (
          <span className="saved-note" data-testid="updates-current">
            {found.current} is the newest version.
          </span>
        ) : null}
      </div>
      {found?.state === "notConfigured" ? (
        <p className="panel-description update-indent" data-testid="updates-not-configured">
          {found.reason}
        </p>
      ) : null}
      {check.error ? (
        <div className="update-indent">
          <ErrorBanner error={check.error} title="Could not look for updates" />
        </div>
      ) : null}
      {offer ? <Offer key={`${offer.version}-${String(check.submittedAt)}`} offer={offer} /> : null}
    </div>
  );
}
