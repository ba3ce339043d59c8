import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { DeliveryHealth, GapView, HealthView, Reconciliation } from "../../ipc/bindings";
import { StudioError } from "../../ipc/client";
import { fakeBackend, installFakeBackend } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { agoText, Health, outcomeText, reconciliationJson, spanText } from "./Health";

const NOW = 1_790_000_000;

const openGap: GapView = {
  id: 7,
  subscriptionId: "sub-aaaaaaaa-1111-4222-8333-444444444444",
  resource: "/me/mailFolders('inbox')/messages",
  cause: "downtime",
  from: NOW - 3600,
  to: NOW - 3000,
  openedAt: NOW - 2990,
  detail: "The receiver was stopped for 10 minutes: <b>not markup</b>",
};

const reconciledGap: GapView = {
  id: 5,
  subscriptionId: "sub-bbbbbbbb",
  resource: "/me/events",
  cause: "missed",
  from: NOW - 86_400,
  to: NOW - 86_000,
  openedAt: NOW - 85_000,
  detail: "Graph sent a missed lifecycle event.",
  reconciledAt: NOW - 80_000,
  outcome: { unnotified: 0, duplicates: 1, superseded: 0, fullSync: true, restarted: true },
};

const healthFixture: HealthView = {
  subscriptions: [
    {
      id: "sub-aaaaaaaa-1111-4222-8333-444444444444",
      resource: "/me/mailFolders('inbox')/messages",
      accountId: "acct-1",
      state: "active",
      lastNotificationAt: NOW - 180,
      expectedLatencySeconds: 60,
      usualIntervalSeconds: 300,
      quiet: false,
      openGaps: 1,
    },
    {
      id: "sub-bbbbbbbb",
      resource: "/me/events",
      accountId: "acct-1",
      state: "active",
      expectedLatencySeconds: 180,
      quiet: true,
      openGaps: 0,
    },
  ],
  openGaps: [openGap],
  tested: [],
};

/** Without a baseline (a full sync); the fixture below has one. */
const unbased: Reconciliation = {
  gapId: 7,
  subscriptionId: openGap.subscriptionId,
  resource: "/me/mailFolders('inbox')/messages",
  ranAt: NOW - 10,
  gapFrom: openGap.from,
  gapTo: openGap.to,
  fullSync: false,
  paths: ["/me/mailFolders('inbox')/messages/delta"],
  changesRead: 12,
  notes: [],
  notificationsCompared: 9,
  unnotified: [
    { id: "AAMkAGI2-very-long-item-id-".repeat(4), deleted: false, changeKey: "CQAAABYAAAD", lastModified: "2026-09-21T10:00:00Z", inGap: true, label: "<img src=x onerror=alert(1)>" },
    { id: "AAMk-deleted", deleted: true, inGap: false },
  ],
  duplicates: [{ id: "AAMk-dup", changeKey: "CQAAABYAAAE", count: 3, receptionIds: [11, 12, 14] }],
  superseded: [
    { id: "AAMk-sup", changeKey: "CQAAABYAAAF", receptionId: 21, by: "CQAAABYAAAG" },
    { id: "AAMk-gone", changeKey: "CQAAABYAAAH", receptionId: 22, by: "deleted" },
  ],
};

const reconciliationFixture: Reconciliation = { ...unbased, baselineAt: NOW - 7200 };

/** The shared fake backend plus the health commands; a reconcile marks its gap reconciled. */
function healthBackend(options: { health?: HealthView; gaps?: GapView[]; kept?: Reconciliation[] } = {}) {
  const base = fakeBackend();
  let gaps = options.gaps ?? [];
  let health = options.health ?? { subscriptions: [], openGaps: [], tested: [] };
  const kept = [...(options.kept ?? [])];
  const call: ReturnType<typeof fakeBackend>["call"] = (command, request) => {
    const answer = (): Promise<unknown> => {
      switch (command) {
        case "health":
          return Promise.resolve(health);
        case "gaps_list":
          return Promise.resolve(gaps);
        case "gap_reconcile": {
          const id = (request as { id: number }).id;
          const result = { ...reconciliationFixture, gapId: id };
          kept.push(result);
          gaps = gaps.map((g) =>
            g.id === id
              ? { ...g, reconciledAt: result.ranAt, outcome: { unnotified: result.unnotified.length, duplicates: result.duplicates.length, superseded: result.superseded.length, fullSync: false, restarted: false } }
              : g,
          );
          health = { ...health, openGaps: health.openGaps.filter((g) => g.id !== id) };
          return Promise.resolve(result);
        }
        case "gap_reconciliation_save":
          return Promise.resolve({ state: "written", path: `/home/me/reconciliation-gap-${String((request as { id: number }).id)}.json` });
        case "gap_reconciliation": {
          const found = kept.find((r) => r.gapId === (request as { id: number }).id);
          return found ? Promise.resolve(found) : Promise.reject(new StudioError({ code: "not_found", message: "This gap was not reconciled yet.", hint: "Reconcile it first." }));
        }
        default:
          return base.call(command, request);
      }
    };
    if (["health", "gaps_list", "gap_reconcile", "gap_reconciliation", "gap_reconciliation_save"].includes(command)) base.calls.push({ command, request });
    return answer() as ReturnType<typeof base.call<typeof command>>;
  };
  return { call, calls: base.calls };
}

const judged = (state: DeliveryHealth["state"], answers: number, overSlow = 0): DeliveryHealth => ({
  state,
  answers,
  overExpected: overSlow,
  overSlow,
  medianMs: 40,
  p95Ms: overSlow > 0 ? 12_000 : 90,
  maxMs: overSlow > 0 ? 15_000 : 120,
});

describe("Delivery health per endpoint", () => {
  it("shows the receiver another process runs, with its numbers and when they were recorded", async () => {
    installFakeBackend(
      healthBackend({
        health: { subscriptions: [], openGaps: [], tested: [], deliveryElsewhere: { health: judged("healthy", 12), recordedAt: NOW - 20 } },
      }),
    );
    renderWithQueries(<Health now={NOW} />);
    const receiver = await screen.findByTestId("delivery-receiver");
    expect(screen.getByTestId("delivery-receiver-state")).toHaveAttribute("data-state", "healthy");
    expect(receiver).toHaveTextContent("12 answers · 0 over 3 s · 0 over 10 s · median 40 ms · p95 90 ms");
    expect(receiver).toHaveTextContent("measured by another process (webhook-studio listen), recorded 20 s ago");
  });

  it("says when no receiver is listening, and follows each tested endpoint from run to run", async () => {
    installFakeBackend(
      healthBackend({
        health: {
          subscriptions: [],
          openGaps: [],
          tested: [
            {
              url: "https://handler.example/api/notify?<b>x</b>",
              runs: [
                { runId: 9, at: NOW - 120, health: judged("dropping", 40, 8) },
                { runId: 4, at: NOW - 7200, health: judged("healthy", 40) },
              ],
            },
          ],
        },
      }),
    );
    renderWithQueries(<Health now={NOW} />);
    expect(await screen.findByTestId("delivery-receiver")).toHaveTextContent("Your receiver: not listening");
    const row = screen.getByTestId("tested-endpoint");
    expect(row).toHaveTextContent("https://handler.example/api/notify?<b>x</b>");
    expect(row).toHaveTextContent("Dropping");
    expect(row).toHaveTextContent("40 answers · 8 over 3 s · 8 over 10 s");
    expect(row).toHaveTextContent("2 min ago");
    expect(within(row).getByLabelText("Earlier runs, newest first").children).toHaveLength(1);
    expect(row.querySelector("b")).toBeNull();
  });
});

describe("Health", () => {
  it("lists the live subscriptions and every gap, newest first, as text", async () => {
    const backend = installFakeBackend(healthBackend({ health: healthFixture, gaps: [reconciledGap, openGap] }));
    renderWithQueries(<Health now={NOW} />);
    const rows = await screen.findAllByTestId("subscription-health-row");
    expect(rows).toHaveLength(2);
    const [mail, events] = rows as [HTMLElement, HTMLElement];
    expect(mail).toHaveTextContent("/me/mailFolders('inbox')/messages");
    expect(mail).toHaveTextContent("3 min ago");
    expect(mail).toHaveTextContent("usually within 1 min");
    expect(mail).toHaveTextContent("about every 5 min");
    expect(within(mail).queryByTestId("quiet-badge")).toBeNull();
    expect(within(mail).getByTestId("subscription-open-gaps")).toHaveTextContent("1");
    expect(events).toHaveTextContent("none yet");
    expect(events).toHaveTextContent("usually within 3 min");
    expect(events).toHaveTextContent("not known yet");
    expect(within(events).getByTestId("quiet-badge")).toHaveTextContent("Quiet for longer than usual");

    const gapRows = await screen.findAllByTestId("gap-row");
    expect(gapRows.map((row) => row.dataset.cause)).toEqual(["downtime", "missed"]);
    const [open, reconciled] = gapRows as [HTMLElement, HTMLElement];
    expect(open).toHaveTextContent("Receiver was not listening");
    expect(open).toHaveTextContent("(10 min)");
    expect(open).toHaveTextContent("The receiver was stopped for 10 minutes: <b>not markup</b>");
    expect(open.querySelector("b")).toBeNull();
    expect(within(open).getByTestId("gap-reconcile")).toBeEnabled();
    expect(within(open).queryByTestId("gap-show")).toBeNull();
    expect(reconciled).toHaveTextContent("Graph said notifications were missed");
    expect(within(reconciled).getByTestId("gap-outcome")).toHaveTextContent("0 changed without a notification · 1 duplicate · 0 superseded");
    expect(within(reconciled).getByTestId("gap-outcome")).toHaveTextContent("token expired: full sync");
    expect(within(reconciled).queryByTestId("gap-reconcile")).toBeNull();
    expect(within(reconciled).getByTestId("gap-show")).toBeInTheDocument();
    // The gaps are read unfiltered, so reconciled ones show too.
    expect(backend.calls.find((c) => c.command === "gaps_list")?.request).toEqual({});
    expect(screen.queryByTestId("health-empty")).toBeNull();
  });

  it("reconciles a gap and shows what was found, in three sections", async () => {
    const backend = installFakeBackend(healthBackend({ health: healthFixture, gaps: [openGap] }));
    const user = userEvent.setup();
    renderWithQueries(<Health now={NOW} />);
    await user.click(await screen.findByTestId("gap-reconcile"));
    const view = await screen.findByTestId("reconciliation");
    expect(backend.calls.filter((c) => c.command === "gap_reconcile").map((c) => c.request)).toEqual([{ id: 7 }]);
    expect(within(view).getByTestId("reconciliation-changes-read")).toHaveTextContent("12");
    expect(within(view).getByTestId("reconciliation-compared")).toHaveTextContent("9");
    expect(view).toHaveTextContent("/me/mailFolders('inbox')/messages/delta");
    expect(view).toHaveTextContent("Changed without a notification");
    expect(view).toHaveTextContent("Notified more than once");
    expect(view).toHaveTextContent("Superseded");

    const unnotified = within(view).getAllByTestId("unnotified-row");
    expect(unnotified).toHaveLength(2);
    const [changed, deleted] = unnotified as [HTMLElement, HTMLElement];
    expect(changed).toHaveTextContent("<img src=x onerror=alert(1)>");
    expect(changed.querySelector("img")).toBeNull();
    expect(changed).toHaveTextContent("in the gap");
    expect(changed).toHaveTextContent("CQAAABYAAAD");
    // A long id is cut on screen and whole on hover.
    const longId = reconciliationFixture.unnotified[0]?.id ?? "";
    expect(within(changed).getByTitle(longId)).toHaveClass("health-id");
    expect(deleted).toHaveTextContent("Deleted");
    expect(deleted).not.toHaveTextContent("in the gap");

    const duplicates = within(view).getAllByTestId("duplicate-row");
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toHaveTextContent("AAMk-dup");
    expect(duplicates[0]).toHaveTextContent("3");
    expect(duplicates[0]).toHaveTextContent("#11, #12, #14");

    const superseded = within(view).getAllByTestId("superseded-row");
    expect(superseded).toHaveLength(2);
    expect(superseded[0]).toHaveTextContent("CQAAABYAAAG");
    expect(superseded[1]).toHaveTextContent("deleted");
    expect(superseded[1]).toHaveTextContent("#22");

    // The list was read again: the gap now shows its counts and a way back to the result.
    const row = screen.getByTestId("gap-row");
    await waitFor(() => {
      expect(within(row).getByTestId("gap-outcome")).toHaveTextContent("2 changed without a notification · 1 duplicate · 2 superseded");
    });
    expect(within(row).queryByTestId("gap-reconcile")).toBeNull();
    // The answer is the result: it is not read a second time.
    expect(backend.calls.some((c) => c.command === "gap_reconciliation")).toBe(false);

    await user.click(within(view).getByTestId("reconciliation-copy"));
    expect(within(view).getByTestId("reconciliation-copy")).toHaveTextContent("Copied");
    const copied = JSON.parse(await navigator.clipboard.readText()) as { gapId: number; duplicates: { receptionIds: number[] }[] };
    expect(copied.gapId).toBe(7);
    expect(copied.duplicates[0]?.receptionIds).toEqual([11, 12, 14]);

    await user.click(within(view).getByTestId("reconciliation-save"));
    expect(await within(view).findByTestId("reconciliation-saved")).toHaveTextContent("Saved to /home/me/reconciliation-gap-7.json");
    expect(backend.calls.find((c) => c.command === "gap_reconciliation_save")?.request).toEqual({ id: 7 });

    await user.click(within(view).getByTestId("reconciliation-close"));
    expect(screen.queryByTestId("reconciliation")).toBeNull();
  });

  it("shows a kept reconciliation, and an empty section says so", async () => {
    const kept: Reconciliation = { ...unbased, gapId: 5, restarted: "syncStateNotFound", fullSync: true, unnotified: [], duplicates: [], superseded: [] };
    const backend = installFakeBackend(healthBackend({ health: healthFixture, gaps: [reconciledGap], kept: [kept] }));
    const user = userEvent.setup();
    renderWithQueries(<Health now={NOW} />);
    await user.click(await screen.findByTestId("gap-show"));
    const view = await screen.findByTestId("reconciliation");
    await waitFor(() => {
      expect(within(view).getByTestId("reconciliation-baseline")).toHaveTextContent("The delta token had expired (syncStateNotFound)");
    });
    expect(backend.calls.filter((c) => c.command === "gap_reconciliation").map((c) => c.request)).toEqual([{ id: 5 }]);
    expect(view).toHaveTextContent("Every item modified since the gap began was notified (a full sync cannot show deletions).");
    expect(view).toHaveTextContent("No change was notified more than once.");
    expect(within(view).queryByTestId("unnotified-row")).toBeNull();
  });

  it("shows a refusal with the app's error banner", async () => {
    installFakeBackend(healthBackend({ health: healthFixture, gaps: [{ ...reconciledGap, id: 99 }] }));
    const user = userEvent.setup();
    renderWithQueries(<Health now={NOW} />);
    await user.click(await screen.findByTestId("gap-show"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("This gap was not reconciled yet.");
    expect(banner).toHaveTextContent("Reconcile it first.");
  });

  it("says in one sentence what it will show when there is nothing yet", async () => {
    installFakeBackend(healthBackend());
    renderWithQueries(<Health now={NOW} />);
    expect(await screen.findByTestId("health-empty")).toHaveTextContent("Once the app has made subscriptions");
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByTestId("gap-list")).toBeNull();
    expect(screen.queryByTestId("gaps-none")).toBeNull();
  });
});

describe("health texts", () => {
  it("writes spans, ages and outcomes in words, and JSON without bigints", () => {
    expect(spanText(45)).toBe("45 s");
    expect(spanText(60)).toBe("1 min");
    expect(spanText(3 * 3600)).toBe("3 h");
    expect(spanText(3 * 86400)).toBe("3 days");
    expect(agoText(NOW - 5, NOW)).toBe("just now");
    expect(agoText(NOW - 600, NOW)).toBe("10 min ago");
    expect(outcomeText({ unnotified: 2, duplicates: 0, superseded: 1, fullSync: false, restarted: false })).toBe("2 changed without a notification · 0 duplicates · 1 superseded");
    expect(JSON.parse(reconciliationJson(reconciliationFixture))).toMatchObject({ gapId: 7, superseded: [{ receptionId: 21 }, { receptionId: 22 }] });
  });
});
