// The "What to test" form: every field tied to its label, help and problem; Run starts the suite
// unless a run is under way; the same run as a command line for CI.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { Field } from "../../components/Field";
import { call, type StudioError, toStudioError } from "../../ipc/client";
import { Panel } from "../../components/Panel";
import { cliCommand, type ConformForm, plainHttpNote, requestOf } from "./request";
import { current, startRun, update } from "./state";

/** Seconds since `since`, ticking. */
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      window.clearInterval(timer);
    };
  }, []);
  return <>{Math.max(0, Math.round((now - since) / 1000))} s so far</>;
}

function describedBy(id: string, problem: string | undefined, help: boolean): string | undefined {
  if (problem) return `${id}-error`;
  return help ? `${id}-help` : undefined;
}

function advancedSummary(form: ConformForm): string {
  const burst = form.burst.trim();
  return [
    form.appId.trim() ? "your app id" : "the sandbox app's id",
    form.certificatePath.trim() ? "your certificate" : "a certificate made for the run",
    burst === "0" ? "no burst" : `a burst of ${burst || "?"}`,
    form.sandboxPort.trim() ? `sandbox port ${form.sandboxPort.trim()}` : "any free sandbox port",
  ].join(" · ");
}

export function RunForm({ form, advancedOpen, runningSince }: { form: ConformForm; advancedOpen: boolean; runningSince: number | null }) {
  const client = useQueryClient();
  const { request, problems } = requestOf(form);
  const running = runningSince !== null;
  const set = (field: keyof ConformForm) => (event: React.ChangeEvent<HTMLInputElement>) => {
    update({ form: { ...current().form, [field]: event.target.value } });
  };
  const cli = cliCommand(form);
  const urlNote = plainHttpNote(form.url);
  const lifecycleNote = plainHttpNote(form.lifecycleUrl);

  // One text input, its label, help and problem tied to it.
  const input = (field: keyof ConformForm, id: string, label: string, help: React.ReactNode, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <Field id={id} label={label} help={help} error={problems[field] ?? null}>
      <input
        id={id}
        data-testid={id}
        className="input mono"
        type="text"
        spellCheck={false}
        autoComplete="off"
        maxLength={2048}
        value={form[field]}
        aria-invalid={problems[field] !== undefined}
        aria-describedby={describedBy(id, problems[field], help !== null)}
        onChange={set(field)}
        {...extra}
      />
    </Field>
  );

  return (
    <Panel title="What to test" description="Your handler must be running and reachable from this computer.">
      <form
        className="conform-form"
        noValidate
        aria-busy={running}
        onSubmit={(event) => {
          event.preventDefault();
          if (request) startRun(request, client);
        }}
      >
        <fieldset className="conform-fieldset" disabled={running}>
          {input("url", "conform-url", "Notification URL", urlNote ?? "Required. http:// on this machine, https:// anywhere else.", {
            placeholder: "http://localhost:7071/api/notifications",
            inputMode: "url",
            required: true,
            "aria-required": true,
          })}
          {input("lifecycleUrl", "conform-lifecycle-url", "Lifecycle URL", lifecycleNote ?? "Optional. Without one, the lifecycle checks are skipped.", {
            placeholder: "http://localhost:7071/api/lifecycle",
            inputMode: "url",
          })}
          {input("clientState", "conform-client-state", "clientState", "Optional: the value your handler expects. One is made up for the run when empty.")}
          <details
            className="conform-advanced"
            open={advancedOpen}
            onToggle={(event) => {
              const open = event.currentTarget.open;
              if (open !== current().advancedOpen) update({ advancedOpen: open });
            }}
          >
            <summary>
              Advanced <span className="conform-advanced-summary muted">{advancedSummary(form)}</span>
            </summary>
            <div className="conform-fieldset">
              {input("appId", "conform-app-id", "App id", "The validation tokens' audience: your app's id. The sandbox app's when empty.", {
                placeholder: "00000000-0000-0000-0000-000000000000",
              })}
              {input("certificatePath", "conform-certificate", "Certificate (PEM file)", "Rich notifications are encrypted to it. One is made for the run when empty.", {
                placeholder: "/path/to/certificate.pem",
              })}
              {input(
                "keyPath",
                "conform-key",
                "Private key (PEM file)",
                "PKCS#8 or PKCS#1. Read once to check that it opens what was encrypted to the certificate; never kept or copied.",
                { placeholder: "/path/to/key.pem" },
              )}
              <MakeCertificate />
              {input("burst", "conform-burst", "Burst size", "How many notifications the burst sends, 16 at a time (0 skips it; at most 10,000).", { inputMode: "numeric" })}
              {input(
                "sandboxPort",
                "conform-sandbox-port",
                "Sandbox port",
                <>
                  The sandbox's port during the run, so your handler can be pointed at its signing keys (
                  <code>http://127.0.0.1:PORT/common/discovery/v2.0/keys</code>) ahead of time. Any free port when empty.
                </>,
                { inputMode: "numeric", placeholder: "any free port" },
              )}
            </div>
          </details>
          <div className="form-actions">
            <Button
              type="submit"
              variant="primary"
              data-testid="conform-run"
              disabled={running || request === null}
              title={request === null && !running ? "Enter a valid notification URL first" : undefined}
            >
              {running ? "Testing…" : "Run the checks"}
            </Button>
            {runningSince !== null ? (
              <span className="conform-busy" role="status" data-testid="conform-busy">
                <span className="conform-spinner" aria-hidden />
                Testing… a slow handler takes longer (<Elapsed since={runningSince} />).
              </span>
            ) : form.url.trim() === "" ? (
              <span className="muted">Enter the notification URL to start.</span>
            ) : null}
          </div>
        </fieldset>
      </form>
      <div className="conform-cli">
        <span className="muted">The same run in CI (JUnit XML; fails when a check fails):</span>
        <code className="conform-cli-command" data-testid="conform-cli">
          {cli}
        </code>
        <CopyButton variant="default" text={cli} label="Copy" testId="conform-cli-copy" />
      </div>
    </Panel>
  );
}

/** Makes a certificate and key for the user's handler, saved where they choose, and fills both
 * fields with where they went. */
function MakeCertificate() {
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<string | null>(null);
  const [problem, setProblem] = useState<StudioError | null>(null);
  return (
    <div className="conform-make-certificate">
      <Button
        type="button"
        data-testid="conform-make-certificate"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setProblem(null);
          setMade(null);
          void call("conform_certificate", null)
            .then(
              (done) => {
                if (done.state === "written") {
                  update({ form: { ...current().form, certificatePath: done.certificatePath, keyPath: done.keyPath } });
                  setMade(`Saved. Give ${done.keyPath} to your handler (readable by you only); both fields above are filled in.`);
                } else {
                  setMade("Nothing was saved.");
                }
              },
              (thrown: unknown) => {
                setProblem(toStudioError(thrown));
              },
            )
            .finally(() => {
              setBusy(false);
            });
        }}
      >
        {busy ? "Making a certificate…" : "Make a test certificate and key…"}
      </Button>
      <span className="field-help">
        {made ?? "For a handler that decrypts rich notifications: a certificate and its private key, saved where you choose."}
      </span>
      {problem ? (
        <p className="status-bad" role="alert" data-testid="conform-make-certificate-error">
          {problem.message}
          {problem.hint ? ` ${problem.hint}` : ""}
        </p>
      ) : null}
    </div>
  );
}
