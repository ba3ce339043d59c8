// Where Graph should send notifications: the receiver's URLs (public through the tunnel, or
// loopback for the sandbox), the tunnel's state with its hint, and start/stop/preflight.

import { Banner, ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { StatusDot, type Tone } from "../../components/StatusDot";
import type { TunnelKind, TunnelStatus } from "../../ipc/bindings";
import { useCommand, useReceiver } from "../../ipc/queries";
import { Prose } from "../../components/Prose";

const tunnelTone: Record<TunnelStatus["state"], Tone> = { online: "ok", connecting: "warn", reconnecting: "warn", failed: "danger", off: "idle" };

function tunnelText(tunnel: TunnelStatus, provider: TunnelKind): string {
  if (provider === "none") return "No tunnel: only the sandbox tenant can reach this receiver.";
  switch (tunnel.state) {
    case "online":
      return `Online at ${tunnel.publicUrl}`;
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return `Reconnecting (${tunnel.reason})…`;
    case "failed":
      return `${provider === "ngrok" ? "ngrok" : "The tunnel"} failed: only the sandbox tenant can reach this receiver.`;
    case "off":
      return "Off";
  }
}

export function ReceiverCard() {
  const receiver = useReceiver();
  const start = useCommand("receiver_start");
  const stop = useCommand("receiver_stop");
  const preflight = useCommand("subscription_preflight");
  const data = receiver.data;
  const endpoints = data?.endpoints ?? null;
  const graphUrl = endpoints ? (endpoints.publicNotificationUrl ?? endpoints.localNotificationUrl) : null;
  const error = start.error ?? stop.error ?? preflight.error;
  return (
    <section className="receiver-card" data-testid="receiver-card">
      <div className="receiver-main">
        <div className="receiver-state">
          <StatusDot tone={endpoints ? "ok" : "idle"} />
          <strong>{endpoints ? "Receiving" : "Not receiving"}</strong>
          {data && endpoints ? (
            <span className="muted" data-testid="tunnel-state">
              <StatusDot tone={tunnelTone[data.tunnel.state]} /> {tunnelText(data.tunnel, endpoints.tunnel)}
            </span>
          ) : null}
        </div>
        {graphUrl ? (
          <div className="receiver-url">
            <span className="statusbar-label">notificationUrl</span>
            <code className="mono" data-testid="receiver-url">
              {graphUrl}
            </code>
            <CopyButton text={graphUrl} testId="copy-receiver-url" />
          </div>
        ) : (
          <p className="muted">Start receiving to get a notification URL; subscriptions made here use it.</p>
        )}
        {endpoints?.forwardTo ? (
          <p className="muted">
            Forwarding every notification to <code>{endpoints.forwardTo}</code>
          </p>
        ) : null}
      </div>
      <div className="receiver-actions">
        <Button
          variant={endpoints ? "default" : "primary"}
          data-testid="receiver-start"
          disabled={start.isPending}
          onClick={() => {
            start.mutate(null);
          }}
        >
          {start.isPending ? "Starting…" : endpoints ? "Restart" : "Start receiving"}
        </Button>
        {endpoints ? (
          <>
            <Button
              data-testid="receiver-preflight"
              disabled={preflight.isPending}
              title="Send Graph's validation request to the URL and check the answer"
              onClick={() => {
                preflight.mutate(null);
              }}
            >
              Test URL
            </Button>
            <Button
              variant="ghost"
              disabled={stop.isPending}
              onClick={() => {
                stop.mutate(null);
              }}
            >
              Stop
            </Button>
          </>
        ) : null}
      </div>
      {data?.tunnel.state === "failed" ? (
        <div className="receiver-banner">
          <Banner tone="error" title={`The tunnel failed${data.tunnel.code ? ` (${data.tunnel.code})` : ""}`} testId="tunnel-failed">
            <p className="banner-message">
              <Prose text={data.tunnel.message} />
            </p>
            {data.tunnel.hint ? (
              <p className="banner-hint">
                <Prose text={data.tunnel.hint} />
              </p>
            ) : null}
          </Banner>
        </div>
      ) : null}
      {preflight.data ? (
        <p className={`receiver-preflight ${preflight.data.ok ? "ok" : "bad"}`} data-testid="preflight-result">
          {preflight.data.ok
            ? `Validation answered correctly in ${String(preflight.data.latencyMs)} ms (200, text/plain, token echoed).`
            : `Graph would refuse this URL: ${preflight.data.problem ?? "unknown problem"}.`}
        </p>
      ) : null}
      {error ? (
        <div className="receiver-banner">
          <ErrorBanner error={error} title="The receiver" />
        </div>
      ) : null}
    </section>
  );
}
