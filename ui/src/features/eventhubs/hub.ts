// Azure Event Hubs, written once for the screens that show them: a connection's broker, the
// `EventHub:` target Graph delivers to, and where an event read from a hub came from.
import type { HubConnection, HubConnectionView, ReceptionLine } from "../../ipc/bindings";

/** The method the backend stores for events read from a hub (webhooks carry HTTP methods). */
export const HUB_METHOD = "EVENT";

/** Whether a reception was read from an event hub rather than posted to the receiver. */
export function isHubEvent(line: Pick<ReceptionLine, "method">): boolean {
  return line.method === HUB_METHOD;
}

/** The broker a connection reads from: its own, or the namespace's Kafka endpoint. */
export function brokerOf(connection: HubConnection): string {
  return connection.broker ?? `${connection.namespace}:9093`;
}

function plural(count: number, one: string, many: string): string {
  return `${String(count)} ${count === 1 ? one : many}`;
}

/** "Reading 2 partitions · 5 events stored", or "Not reading". */
export function readingText(view: HubConnectionView): string {
  if (!view.reading) return "Not reading";
  return `Reading ${plural(view.partitions.length, "partition", "partitions")} · ${plural(view.stored, "event", "events")} stored`;
}

/** A namespace as typed (`contoso`, or its host): the host, `.servicebus.windows.net` added when
 * there is no dot. */
export function namespaceHost(namespace: string): string {
  const trimmed = namespace.trim();
  if (trimmed === "" || trimmed.includes(".")) return trimmed;
  return `${trimmed}.servicebus.windows.net`;
}

/** The `notificationUrl` that makes Graph deliver to an event hub (Graph's documented form). The
 * parts are put in as typed: the backend's check says what is wrong with them. */
export function hubTarget(namespace: string, hub: string, tenant: string): string {
  return `EventHub:https://${namespaceHost(namespace)}/eventhubname/${hub.trim()}?tenantId=${tenant.trim()}`;
}

/** Where an event came from: its partition and offset (the query) and when the hub enqueued it
 * (a header); null for what did not come from a hub. */
export function hubOrigin(query: string, headers: [string, string][]): { partition: string; offset: string; enqueued: string | null } | null {
  const params = new URLSearchParams(query);
  const header = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
  const partition = params.get("partition") ?? header("x-partition");
  const offset = params.get("offset") ?? header("x-offset");
  if (partition === null || offset === null) return null;
  return { partition, offset, enqueued: header("x-enqueued-time") };
}
