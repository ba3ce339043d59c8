import { StatusDot, type Tone } from "../components/StatusDot";
import type { DeliveryState, ServiceState } from "../ipc/bindings";
import { useAppInfo, useStatus } from "../ipc/queries";

function tone(state: ServiceState): Tone {
  switch (state) {
    case "running":
      return "ok";
    case "starting":
      return "warn";
    case "failed":
      return "danger";
    case "stopped":
      return "idle";
  }
}

const stateText: Record<ServiceState, string> = {
  running: "running",
  starting: "starting",
  failed: "failed",
  stopped: "stopped",
};

/** How the receiver's answers of the last 10 minutes look by Graph's rules; quiet and healthy
 * say nothing (the receiver's dot is enough). */
const delivery: Record<DeliveryState, { tone: Tone; text: string; title: string } | null> = {
  quiet: null,
  healthy: null,
  atRisk: {
    tone: "warn",
    text: "answers at risk",
    title: "Some answers took over 3 s in the last 10 minutes (Graph expects 3 s; over 10% over 10 s makes it slow down).",
  },
  slow: {
    tone: "danger",
    text: "Graph would slow down",
    title: "Over 10% of answers in the last 10 minutes took over 10 s: Graph delays deliveries to such an endpoint.",
  },
  dropping: {
    tone: "danger",
    text: "Graph would drop notifications",
    title: "Over 15% of answers in the last 10 minutes took over 10 s: Graph drops new notifications for up to 10 minutes.",
  },
};

/** Account, receiver and tunnel at a glance, always visible. */
export function StatusBar() {
  const status = useStatus();
  const info = useAppInfo();
  const data = status.data;
  return (
    <footer className="statusbar" data-testid="statusbar">
      {status.isError ? (
        <span className="statusbar-item" data-testid="status-error">
          <StatusDot tone="danger" />
          Status unavailable: {status.error.message}
        </span>
      ) : data ? (
        <>
          <span className="statusbar-item" data-testid="status-account">
            <StatusDot tone={data.account.kind === "none" ? "idle" : "ok"} />
            <span className="statusbar-label">Account</span>
            {data.account.label}
          </span>
          <span className="statusbar-item" data-testid="status-receiver">
            <StatusDot tone={tone(data.receiver.state)} />
            <span className="statusbar-label">Receiver</span>
            {data.receiver.localUrl ?? stateText[data.receiver.state]}
          </span>
          {data.receiver.delivery && delivery[data.receiver.delivery] ? (
            <span
              className="statusbar-item"
              data-testid="status-delivery"
              data-state={data.receiver.delivery}
              title={delivery[data.receiver.delivery]?.title}
            >
              <StatusDot tone={delivery[data.receiver.delivery]?.tone ?? "warn"} />
              {delivery[data.receiver.delivery]?.text}
            </span>
          ) : null}
          <span className="statusbar-item" data-testid="status-tunnel">
            <StatusDot tone={tone(data.tunnel.state)} />
            <span className="statusbar-label">Tunnel</span>
            {data.tunnel.publicUrl ??
              (data.tunnel.provider === "none" ? "none" : `${data.tunnel.provider}, ${stateText[data.tunnel.state]}`)}
          </span>
        </>
      ) : (
        <span className="statusbar-item">Loading…</span>
      )}
      <span className="statusbar-spacer" />
      {info.data ? <span className="statusbar-item">v{info.data.version}</span> : null}
    </footer>
  );
}
