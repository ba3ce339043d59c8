// A conformance report: the summary, one row per check (grade, detail, fix, rule, the requests
// behind it) and the sandbox's facts. Everything in it came from the handler or the backend: it is
// shown as text, never as HTML.
import { CopyButton } from "../../components/CopyButton";
import { Prose } from "../../components/Prose";
import { When } from "../../components/When";
import type { ConformCheck, ConformExchange, ConformRun, ConformSandbox, ConformStatus } from "../../ipc/bindings";

const gradeLabels: Record<ConformStatus, string> = { pass: "Pass", warn: "Warning", fail: "Fail", skipped: "Skipped" };

export function Grade({ status }: { status: ConformStatus }) {
  return (
    <span className="conform-grade" data-grade={status}>
      {gradeLabels[status]}
    </span>
  );
}

function Exchange({ exchange }: { exchange: ConformExchange }) {
  const answered = exchange.status !== null;
  const ok = answered && (exchange.status ?? 0) < 300;
  return (
    <li className="conform-exchange">
      <div className="conform-exchange-head">
        <span className="badge">{exchange.kind}</span>
        <span className={`mono ${ok ? "status-ok" : "status-bad"}`}>{answered ? exchange.status : "no answer"}</span>
        <span className="muted">{exchange.latencyMs} ms</span>
        {exchange.contentType ? <span className="mono muted">{exchange.contentType}</span> : null}
      </div>
      <div className="mono conform-exchange-url">{exchange.url}</div>
      {exchange.error ? <p className="status-bad">{exchange.error}</p> : null}
      {exchange.location ? <p className="muted">Redirected to <span className="mono">{exchange.location}</span></p> : null}
      {exchange.bodyExcerpt !== null ? (
        <pre className="code-block" aria-label="The answer's first characters">
          {exchange.bodyExcerpt === "" ? "(empty body)" : exchange.bodyExcerpt}
        </pre>
      ) : null}
      {exchange.notificationIds.length > 0 ? (
        <div className="conform-ids">
          <span className="muted">Notification {exchange.notificationIds.length === 1 ? "id" : "ids"} (to find in your handler's logs):</span>
          <ul className="chips">
            {exchange.notificationIds.map((id) => (
              <li key={id} className="chip mono selectable">
                {id}
              </li>
            ))}
          </ul>
          <CopyButton text={exchange.notificationIds.join("\n")} label={exchange.notificationIds.length === 1 ? "Copy id" : "Copy ids"} />
        </div>
      ) : null}
    </li>
  );
}

function CheckRow({ check }: { check: ConformCheck }) {
  const problem = check.status === "fail" || check.status === "warn";
  return (
    <li className="conform-check" data-testid={`conform-check-${check.id}`} data-status={check.status}>
      <div className="conform-check-head">
        <Grade status={check.status} />
        <h3 className="conform-check-title">{check.title}</h3>
      </div>
      <div className="conform-check-body">
        <p>
          <Prose text={check.detail} />
        </p>
        {check.fix !== null && problem ? (
          <p className="conform-fix" data-testid={`conform-fix-${check.id}`}>
            <strong className="conform-fix-label">Fix:</strong> <Prose text={check.fix} />
          </p>
        ) : null}
        {check.fix !== null && !problem ? (
          <p className="muted">
            {check.status === "pass" ? "In your handler's logs: " : ""}
            <Prose text={check.fix} />
          </p>
        ) : null}
        <p className="conform-rule">
          Rule: <Prose text={check.rule} />
        </p>
        {check.exchanges.length > 0 ? (
          <details className="conform-requests">
            <summary>Requests ({check.exchanges.length})</summary>
            <ol className="conform-exchanges">
              {check.exchanges.map((exchange, i) => (
                <Exchange key={String(i)} exchange={exchange} />
              ))}
            </ol>
          </details>
        ) : null}
      </div>
    </li>
  );
}

const headlines: Record<ConformStatus, (failed: number, warned: number) => string> = {
  fail: (failed) => `Fails ${String(failed)} ${failed === 1 ? "check" : "checks"}`,
  warn: (_failed, warned) => `Passes, with ${String(warned)} ${warned === 1 ? "warning" : "warnings"}`,
  pass: () => "Passes every check that applied",
  skipped: () => "Every check was skipped",
};

function SandboxFacts({ sandbox }: { sandbox: ConformSandbox }) {
  const rows: [string, React.ReactNode][] = [
    ["Issuer", <span className="mono">{sandbox.issuer}</span>],
    ["Audience (app id)", <span className="mono">{sandbox.appId}</span>],
    ["Tenant", <span className="mono">{sandbox.tenantId}</span>],
    [
      "JWKS URI",
      <>
        <span className="mono">{sandbox.jwksUri}</span>
        <span className="field-help conform-fact-note">
          Published only while the run lasted. To point your handler at keys it can fetch ahead of time, set the sandbox port under Advanced.
        </span>
      </>,
    ],
    [
      "clientState",
      <>
        <span className="mono">{sandbox.clientState}</span>
        {sandbox.clientStateMadeUp ? (
          <span className="field-help conform-fact-note">Made up for this run: give the one your handler expects in the clientState field.</span>
        ) : null}
      </>,
    ],
    [
      "Certificate",
      <>
        {sandbox.certificateIsUsers
          ? "Yours."
          : "Made for this run, its private key discarded. Give your certificate and key under Advanced to test your handler's decryption."}
        <span className="field-help conform-fact-note mono">SHA-1 {sandbox.certificateThumbprint}</span>
      </>,
    ],
  ];
  return (
    <div className="conform-sandbox" data-testid="conform-sandbox">
      <h3 className="conform-sandbox-title">What the notifications carried, and where their tokens came from</h3>
      <dl className="details">
        {rows.map(([label, value]) => (
          <div key={label} className="details-row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function Report({ run }: { run: ConformRun }) {
  const report = run.report;
  const count = (status: ConformStatus) => report.checks.filter((c) => c.status === status).length;
  const failed = count("fail");
  const warned = count("warn");
  return (
    <section className="panel" data-testid="conform-report" data-outcome={report.outcome} aria-labelledby="conform-report-title">
      <header className="panel-header conform-summary">
        <Grade status={report.outcome} />
        <h2 className="panel-title" id="conform-report-title">
          {headlines[report.outcome](failed, warned)}
        </h2>
        <span className="conform-counts" data-testid="conform-counts">
          <span>{count("pass")} passed</span>
          <span className={warned > 0 ? "conform-count-warn" : undefined}>{warned} warnings</span>
          <span className={failed > 0 ? "conform-count-fail" : undefined}>{failed} failed</span>
          <span>{count("skipped")} skipped</span>
        </span>
      </header>
      <div className="panel-body">
        <p className="conform-target">
          <span className="mono selectable">{report.url}</span>
          {report.lifecycleUrl ? (
            <>
              {" "}
              · lifecycle <span className="mono selectable">{report.lifecycleUrl}</span>
            </>
          ) : null}{" "}
          · run #{run.id}, <When at={report.startedAt * 1000} />, took {(report.durationMs / 1000).toFixed(1)} s
          <CopyButton text={() => JSON.stringify(report, null, 2)} label="Copy as JSON" testId="conform-copy-json" />
        </p>
        <ol className="conform-checks">
          {report.checks.map((check) => (
            <CheckRow key={check.id} check={check} />
          ))}
        </ol>
        <SandboxFacts sandbox={report.sandbox} />
      </div>
    </section>
  );
}

