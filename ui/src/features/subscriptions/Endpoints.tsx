// Delivery health per endpoint, by Graph's rules: the receiver's acknowledgements of the last 10
// minutes (this window's, or the receiver another process runs, such as `webhook-studio
// listen`), and every endpoint the conformance suite tested, run after run. The numbers behind
// each state are shown beside it, so a state is never a verdict without its evidence.
import { StatusDot, type Tone } from "../../components/StatusDot";
import type { DeliveryHealth, DeliveryState, HealthView, TestedEndpoint } from "../../ipc/bindings";
import { agoText } from "./spans";

export const stateWords: Record<DeliveryState, { text: string; tone: Tone; rule: string }> = {
  quiet: { text: "Quiet", tone: "idle", rule: "No answers to judge." },
  healthy: { text: "Healthy", tone: "ok", rule: "Every answer within 3 s." },
  atRisk: {
    text: "At risk",
    tone: "warn",
    rule: "Some answers took over 3 s (Graph expects 3 s; the older rule counts over 2,900 ms as slow).",
  },
  slow: {
    tone: "danger",
    text: "Slow",
    rule: "Over 10% of answers took over 10 s: Graph delays deliveries to this endpoint.",
  },
  dropping: {
    tone: "danger",
    text: "Dropping",
    rule: "Over 15% of answers took over 10 s: Graph drops new notifications for up to 10 minutes.",
  },
};

function State({ state, testId }: { state: DeliveryState; testId?: string }) {
  const words = stateWords[state];
  return (
    <span className="delivery-state" data-state={state} data-testid={testId} title={words.rule}>
      <StatusDot tone={words.tone} />
      {words.text}
    </span>
  );
}

/** "12 answers · 0 over 3 s · 0 over 10 s · median 4 ms · p95 9 ms". */
export function numbersText(health: DeliveryHealth): string {
  if (health.answers === 0) return "no answers";
  return [
    `${String(health.answers)} ${health.answers === 1 ? "answer" : "answers"}`,
    `${String(health.overExpected)} over 3 s`,
    `${String(health.overSlow)} over 10 s`,
    `median ${String(health.medianMs)} ms`,
    `p95 ${String(health.p95Ms)} ms`,
    `slowest ${String(health.maxMs)} ms`,
  ].join(" · ");
}

function Receiver({ view, now }: { view: HealthView; now: number }) {
  const health = view.delivery ?? view.deliveryElsewhere?.health;
  if (!health) {
    return (
      <p className="muted" data-testid="delivery-receiver">
        Your receiver: not listening. Start it (Receiver → Start, or <code>webhook-studio listen</code>) and its answers of the last 10 minutes are judged here.
      </p>
    );
  }
  return (
    <p data-testid="delivery-receiver">
      Your receiver: <State state={health.state} testId="delivery-receiver-state" />{" "}
      <span className="muted">
        {numbersText(health)} in the last 10 minutes
        {view.deliveryElsewhere
          ? ` · measured by another process (webhook-studio listen), recorded ${agoText(view.deliveryElsewhere.recordedAt, now)}`
          : ""}
      </span>
    </p>
  );
}

function TestedRow({ endpoint, now }: { endpoint: TestedEndpoint; now: number }) {
  const [last, ...earlier] = endpoint.runs;
  if (!last) return null;
  return (
    <tr data-testid="tested-endpoint">
      <td className="mono selectable health-url" title={endpoint.url}>
        {endpoint.url}
      </td>
      <td>
        <State state={last.health.state} />
      </td>
      <td className="muted">{numbersText(last.health)}</td>
      <td className="muted">{agoText(last.at, now)}</td>
      <td>
        {earlier.length === 0 ? (
          <span className="muted">first run</span>
        ) : (
          <span className="delivery-trend" aria-label="Earlier runs, newest first">
            {earlier.slice(0, 9).map((run) => (
              <span key={String(run.runId)} title={`${stateWords[run.health.state].text}: ${numbersText(run.health)}`}>
                <StatusDot tone={stateWords[run.health.state].tone} />
              </span>
            ))}
          </span>
        )}
      </td>
    </tr>
  );
}

/** The receiver's health and every tested endpoint's, run after run. */
export function Endpoints({ view, now }: { view: HealthView; now: number }) {
  return (
    <div className="delivery-endpoints" data-testid="delivery-endpoints">
      <h3 className="health-subtitle">Acknowledgement times, by Graph&apos;s rules</h3>
      <Receiver view={view} now={now} />
      {view.tested.length > 0 ? (
        <div className="health-scroll">
          <table className="subscription-table" data-testid="tested-endpoints">
            <thead>
              <tr>
                <th>Endpoint tested by the conformance suite</th>
                <th>Last run</th>
                <th>Its answers</th>
                <th>When</th>
                <th>Earlier runs</th>
              </tr>
            </thead>
            <tbody>
              {view.tested.map((endpoint) => (
                <TestedRow key={endpoint.url} endpoint={endpoint} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
