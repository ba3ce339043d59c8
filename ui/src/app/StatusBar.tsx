import { StatusDot, type Tone } from "../components/StatusDot";
import type { ServiceState } from "../ipc/bindings";
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
