// Picks a placeholder's value from the account in use (its users, teams, channels, chats, mail
// folders, drives, sites, lists, To Do lists, printers) instead of pasting a GUID.
import { useLookup } from "../../ipc/queries";

/** The placeholder a look-up needs first, if any (channels need their team, …). */
export function parentOf(name: string, appOnly: boolean): string | null {
  if (name === "channel-id") return "team-id";
  if (name === "list-id") return "site-id";
  if (appOnly && (name === "mail-folder-id" || name === "todo-task-list-id")) return "user-id";
  return null;
}

const lookable = new Set([
  "user-id",
  "group-id",
  "team-id",
  "channel-id",
  "chat-id",
  "mail-folder-id",
  "drive-id",
  "site-id",
  "list-id",
  "todo-task-list-id",
  "printer-id",
]);

export function PlaceholderPicker({
  name,
  accountId,
  accountName,
  appOnly,
  values,
  onPick,
}: {
  name: string;
  accountId: string;
  accountName: string;
  appOnly: boolean;
  values: Record<string, string>;
  onPick: (value: string) => void;
}) {
  const parentName = parentOf(name, appOnly);
  const parent = parentName ? (values[parentName] ?? "").trim() : "";
  const ready = lookable.has(name) && (parentName === null || parent !== "");
  const items = useLookup({ accountId, placeholder: name, ...(parent ? { parent } : {}) }, ready);
  if (!lookable.has(name)) return null;
  const label = !ready
    ? `Fill {${parentName ?? ""}} first`
    : items.isPending
      ? "Loading…"
      : items.isError
        ? "Could not look up"
        : `Pick from ${accountName}…`;
  return (
    <select
      className="select lookup-select"
      data-lookup={name}
      value=""
      disabled={!ready || !items.data || items.data.length === 0}
      title={items.error ? `${items.error.message}${items.error.hint ? ` ${items.error.hint}` : ""}` : undefined}
      onChange={(event) => {
        if (event.target.value) onPick(event.target.value);
      }}
    >
      <option value="">{items.data && items.data.length === 0 ? "Nothing to pick" : label}</option>
      {(items.data ?? []).map((item) => (
        <option key={item.id} value={item.id}>
          {item.detail ? `${item.label} (${item.detail})` : item.label}
        </option>
      ))}
    </select>
  );
}
