// Test an endpoint: the conformance suite (`conform_run`) against the user's own webhook handler.
// The sandbox makes what Graph would send (handshakes, plain, batched and rich notifications,
// lifecycle events, duplicates, forgeries, a burst) and the backend grades the handler's answers
// against Graph's documented rules. Reports are kept (the newest 50) and can be opened again.
// Everything in a report came from the handler: it is shown as text, never as HTML.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { Banner, ErrorBanner } from "../../components/Banner";
import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";
import { Prose } from "../../components/Prose";
import { When } from "../../components/When";
import { call } from "../../ipc/client";
import { queryKeys } from "../../ipc/invalidation";
import { Grade, Report } from "./Report";
import { RunForm } from "./RunForm";
import { reportKey, update, useScreenState } from "./state";
import "./conform.css";

export { cliCommand, requestOf } from "./request";
export { resetConformScreen } from "./state";

function History({ shown }: { shown: number | null }) {
  const history = useQuery({ queryKey: queryKeys.conformHistory, queryFn: () => call("conform_history", null) });
  const lines = history.data ?? [];
  return (
    <div className="conform-side">
      <Panel title="Earlier runs" description="Newest first; the last 50 are kept.">
        {history.error ? <ErrorBanner error={history.error} title="The history could not be read" /> : null}
        {history.isSuccess && lines.length === 0 ? (
          <EmptyState icon="monitor" title="No runs yet" testId="conform-history-empty">
            <p>Each run's report is kept here, to compare after you change your handler.</p>
          </EmptyState>
        ) : null}
        <ul className="conform-history" data-testid="conform-history">
          {lines.map((line) => (
            <li key={line.id}>
              <button
                type="button"
                className="conform-history-item"
                data-testid={`conform-history-${String(line.id)}`}
                aria-current={line.id === shown ? "true" : undefined}
                title={`Show run #${String(line.id)}: ${line.url}`}
                onClick={() => {
                  update({ shown: line.id });
                }}
              >
                <Grade status={line.outcome} />
                <span className="conform-history-url mono">{line.url}</span>
                <When at={line.startedAt * 1000} className="conform-history-when" />
              </button>
            </li>
          ))}
        </ul>
      </Panel>
    </div>
  );
}

function Shown({ id }: { id: number }) {
  const report = useQuery({ queryKey: reportKey(id), queryFn: () => call("conform_report", { id }), staleTime: Infinity, retry: false });
  // A newly shown report is brought into view (not the one shown when the screen opens).
  const anchor = useRef<HTMLDivElement>(null);
  const first = useRef(id);
  useEffect(() => {
    if (id !== first.current) anchor.current?.scrollIntoView({ block: "start", behavior: "smooth" });
  }, [id]);
  return (
    <div ref={anchor} className="conform-shown">
      {report.error ? <ErrorBanner error={report.error} title={`Run #${String(id)} could not be read`} /> : null}
      {report.isPending ? (
        <p className="muted" role="status">
          Reading run #{id}…
        </p>
      ) : null}
      {report.data ? <Report run={report.data} /> : null}
    </div>
  );
}

export function ConformScreen() {
  const { form, advancedOpen, runningSince, error, shown } = useScreenState();
  return (
    <div className="screen conform-screen">
      <PageHeader
        title="Test an endpoint"
        subtitle="Drives your own webhook handler with what the sandbox sends (handshakes, plain, batched and rich notifications, lifecycle events, duplicates, forgeries, a burst) and grades it against Graph's documented rules."
      />
      <div className="conform-top">
        <RunForm form={form} advancedOpen={advancedOpen} runningSince={runningSince} />
        <History shown={shown} />
      </div>
      {error ? (
        <Banner
          tone="error"
          title="The checks did not run"
          testId="conform-error"
          onDismiss={() => {
            update({ error: null });
          }}
        >
          <p className="banner-message" data-testid="conform-error-message">
            <Prose text={error.message} />
          </p>
          {error.hint ? (
            <p className="banner-hint" data-testid="conform-error-hint">
              <Prose text={error.hint} />
            </p>
          ) : null}
          <span className="banner-code mono">{error.code}</span>
        </Banner>
      ) : null}
      {shown !== null ? (
        <Shown id={shown} />
      ) : (
        <Panel>
          <EmptyState icon="monitor" title="No report shown" testId="conform-report-empty">
            <p>Run the checks, or open an earlier run. Each check says what Graph does, what your handler did, and what to change.</p>
            <FeatureList
              items={[
                { title: "Handshakes", text: "The validation token echoed as text/plain, in time, for both URLs." },
                { title: "Notifications", text: "Plain, batched and rich (encrypted) ones acknowledged with 2xx, quickly." },
                { title: "Lifecycle", text: "reauthorizationRequired, subscriptionRemoved and missed events." },
                { title: "Hostile input", text: "Duplicates, forged validation tokens, a wrong clientState." },
                { title: "Load", text: "A burst of notifications, 16 at a time, as Graph sends when many things change." },
              ]}
            />
          </EmptyState>
        </Panel>
      )}
    </div>
  );
}
