import { act, renderHook, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { screens, useScreen } from "../../app/navigation";
import type { ConformRun, ConformRunLine } from "../../ipc/bindings";
import { StudioError } from "../../ipc/client";
import { fakeBackend, installFakeBackend } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { cliCommand, ConformScreen, requestOf, resetConformScreen } from "./ConformScreen";

function runFixture(id: number, outcome: ConformRun["report"]["outcome"] = "fail"): ConformRun {
  return {
    id,
    report: {
      url: "http://localhost:7071/api/notifications",
      lifecycleUrl: null,
      startedAt: 1_790_000_000,
      durationMs: 12_345,
      outcome,
      checks: [
        {
          id: "handshakeNotification",
          title: "Validation handshake on the notification URL",
          status: "pass",
          rule: "Answer 200 with the token as text/plain within 10 seconds.",
          detail: "Answered 200 with the token in 12 ms.",
          fix: null,
          exchanges: [
            {
              kind: "handshake",
              url: "http://localhost:7071/api/notifications?validationToken=abc",
              status: 200,
              latencyMs: 12,
              contentType: "text/plain",
              bodyExcerpt: "<img src=x onerror=alert(1)>",
              error: null,
              tls: null,
              location: null,
              notificationIds: [],
            },
          ],
        },
        {
          id: "duplicates",
          title: "Duplicates",
          status: outcome === "fail" ? "fail" : "warn",
          rule: "Graph may deliver a notification more than once.",
          detail: "The same notification was processed twice.",
          fix: "Keep the ids you processed and skip one seen before.",
          exchanges: [
            {
              kind: "notification",
              url: "http://localhost:7071/api/notifications",
              status: null,
              latencyMs: 30_000,
              contentType: null,
              bodyExcerpt: null,
              error: "timed out",
              tls: null,
              location: null,
              notificationIds: ["n-1", "n-2"],
            },
          ],
        },
        {
          id: "lifecycleMissed",
          title: "Missed-notification lifecycle event",
          status: "skipped",
          rule: "Graph sends lifecycle events to the lifecycle URL.",
          detail: "No lifecycle URL was given.",
          fix: null,
          exchanges: [],
        },
      ],
      sandbox: {
        tenantId: "t1",
        appId: "app-1",
        issuer: "https://sts.windows.net/t1/",
        jwksUri: "http://127.0.0.1:9/common/discovery/v2.0/keys",
        certificateThumbprint: "ABCDEF",
        certificateIsUsers: false,
        clientState: "conform-1234",
        clientStateMadeUp: true,
      },
    },
  };
}

/** The shared fake backend, plus the three conformance commands. A run answers once `gate`
 * resolves (at once without one), and then leads the history. */
function conformBackend(
  options: { run?: ConformRun | StudioError; history?: ConformRunLine[]; reports?: ConformRun[]; gate?: Promise<void> } = {},
) {
  const base = fakeBackend();
  let history = options.history ?? [];
  const call: ReturnType<typeof fakeBackend>["call"] = (command, request) => {
    const conform = (): Promise<unknown> => {
      switch (command) {
        case "conform_run": {
          const run = options.run ?? runFixture(9);
          return (options.gate ?? Promise.resolve()).then(() => {
            if (run instanceof StudioError) throw run;
            history = [{ id: run.id, startedAt: run.report.startedAt, url: run.report.url, outcome: run.report.outcome }, ...history];
            return run;
          });
        }
        case "conform_history":
          return Promise.resolve(history);
        case "conform_certificate":
          return Promise.resolve({ state: "written", certificatePath: "/home/me/conform-certificate.pem", keyPath: "/home/me/conform-certificate-key.pem", thumbprint: "AB" });
        case "conform_report": {
          const found = (options.reports ?? []).find((r) => r.id === (request as { id: number }).id);
          return found ? Promise.resolve(found) : Promise.reject(new StudioError({ code: "not_found", message: "no conformance run", hint: null }));
        }
        default:
          return base.call(command, request);
      }
    };
    if (command.startsWith("conform_")) base.calls.push({ command, request });
    return conform() as ReturnType<typeof base.call<typeof command>>;
  };
  return { call, calls: base.calls };
}

describe("ConformScreen", () => {
  beforeEach(() => {
    resetConformScreen();
  });

  it("makes a test certificate where the user chooses and fills both fields with it", async () => {
    const backend = installFakeBackend(conformBackend());
    renderWithQueries(<ConformScreen />);
    const user = userEvent.setup();
    await user.click(screen.getByText("Advanced"));
    await user.click(screen.getByTestId("conform-make-certificate"));
    expect(await screen.findByDisplayValue("/home/me/conform-certificate.pem")).toBeInTheDocument();
    expect(screen.getByDisplayValue("/home/me/conform-certificate-key.pem")).toBeInTheDocument();
    expect(screen.getByText(/Give \/home\/me\/conform-certificate-key.pem to your handler/)).toBeInTheDocument();
    expect(backend.calls.find((c) => c.command === "conform_certificate")?.request).toBeNull();
  });

  it("flags a URL without http:// or https:// next to the field and keeps Run disabled", async () => {
    const backend = installFakeBackend(conformBackend());
    const user = userEvent.setup();
    renderWithQueries(<ConformScreen />);
    const run = screen.getByTestId("conform-run");
    expect(run).toBeDisabled();
    await user.type(screen.getByLabelText("Notification URL"), "localhost:7071/api/notifications");
    expect(screen.getByRole("alert")).toHaveTextContent("Start it with http:// or https://.");
    expect(screen.getByTestId("conform-url")).toHaveAttribute("aria-invalid", "true");
    expect(run).toBeDisabled();
    await user.clear(screen.getByTestId("conform-url"));
    await user.type(screen.getByTestId("conform-url"), "http://localhost:7071/api/notifications");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(run).toBeEnabled();
    // A lifecycle URL is optional, but checked when given.
    await user.type(screen.getByTestId("conform-lifecycle-url"), "ftp://x");
    expect(screen.getByRole("alert")).toHaveTextContent("http:// or https://");
    expect(run).toBeDisabled();
    await user.click(run);
    expect(backend.calls.some((c) => c.command === "conform_run")).toBe(false);
  });

  it("sends exactly the form's values and shows every check, the fix of a failing one and the outcome", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const backend = installFakeBackend(conformBackend({ gate }));
    const user = userEvent.setup();
    renderWithQueries(<ConformScreen />);
    await user.type(screen.getByTestId("conform-url"), "  http://localhost:7071/api/notifications ");
    await user.type(screen.getByTestId("conform-lifecycle-url"), "http://localhost:7071/api/lifecycle");
    await user.type(screen.getByTestId("conform-client-state"), "secret-state");
    await user.click(screen.getByText("Advanced"));
    const burst = screen.getByTestId("conform-burst");
    expect(burst).toHaveValue("1000");
    await user.clear(burst);
    await user.type(burst, "250");
    expect(screen.getByTestId("conform-cli")).toHaveTextContent(
      "webhook-studio conform http://localhost:7071/api/notifications --lifecycle-url http://localhost:7071/api/lifecycle --client-state secret-state --burst 250 --junit report.xml",
    );
    await user.click(screen.getByTestId("conform-run"));
    expect(screen.getByTestId("conform-busy")).toHaveTextContent("a slow handler takes longer");
    expect(screen.getByTestId("conform-run")).toBeDisabled();
    // No second run while one is under way, whatever is pressed.
    await user.type(screen.getByTestId("conform-url"), "{Enter}");
    const runs = backend.calls.filter((c) => c.command === "conform_run");
    expect(runs).toEqual([
      {
        command: "conform_run",
        request: {
          url: "http://localhost:7071/api/notifications",
          lifecycleUrl: "http://localhost:7071/api/lifecycle",
          clientState: "secret-state",
          certificatePath: null,
          keyPath: null,
          appId: null,
          burst: 250,
          sandboxPort: null,
        },
      },
    ]);
    await act(async () => {
      release();
      await gate;
    });
    const report = await screen.findByTestId("conform-report");
    expect(report).toHaveAttribute("data-outcome", "fail");
    expect(report).toHaveTextContent("Fails 1 check");
    expect(screen.getByTestId("conform-counts")).toHaveTextContent("1 passed0 warnings1 failed1 skipped");
    const rows = within(report).getAllByRole("listitem").filter((li) => li.dataset.testid?.startsWith("conform-check-"));
    expect(rows.map((row) => [row.dataset.testid, row.dataset.status])).toEqual([
      ["conform-check-handshakeNotification", "pass"],
      ["conform-check-duplicates", "fail"],
      ["conform-check-lifecycleMissed", "skipped"],
    ]);
    expect(screen.getByTestId("conform-fix-duplicates")).toHaveTextContent("Fix: Keep the ids you processed and skip one seen before.");
    const failing = screen.getByTestId("conform-check-duplicates");
    expect(failing).toHaveTextContent("Requests (1)");
    expect(failing).toHaveTextContent("no answer");
    expect(failing).toHaveTextContent("timed out");
    expect(failing).toHaveTextContent("n-1");
    // What the handler answered is text, never markup.
    const passing = screen.getByTestId("conform-check-handshakeNotification");
    expect(passing).toHaveTextContent("<img src=x onerror=alert(1)>");
    expect(report.querySelector("img")).toBeNull();
    expect(screen.getByTestId("conform-sandbox")).toHaveTextContent("https://sts.windows.net/t1/");
    expect(screen.getByTestId("conform-sandbox")).toHaveTextContent("Made for this run");
    // The history was read again and lists the run.
    expect(await screen.findByTestId("conform-history-9")).toHaveAttribute("aria-current", "true");
    expect(screen.getByTestId("conform-run")).toBeEnabled();
  });

  it("shows the backend's refusal with its message and hint", async () => {
    installFakeBackend(
      conformBackend({
        run: new StudioError({
          code: "invalid_input",
          message: "the private key: /tmp/key.pem is not an RSA private key in PEM (PKCS#8 or PKCS#1)",
          hint: "Give the key that belongs to the certificate.",
        }),
      }),
    );
    const user = userEvent.setup();
    renderWithQueries(<ConformScreen />);
    await user.type(screen.getByTestId("conform-url"), "https://hooks.example.com/graph");
    await user.click(screen.getByTestId("conform-run"));
    const banner = await screen.findByTestId("conform-error");
    expect(banner).toHaveTextContent("is not an RSA private key in PEM");
    expect(banner).toHaveTextContent("Give the key that belongs to the certificate.");
    expect(screen.queryByTestId("conform-report")).toBeNull();
    expect(screen.getByTestId("conform-run")).toBeEnabled();
  });

  it("opens an earlier run from the history", async () => {
    const history: ConformRunLine[] = [
      { id: 7, startedAt: 1_790_000_100, url: "https://hooks.example.com/graph", outcome: "pass" },
      { id: 6, startedAt: 1_790_000_000, url: "http://localhost:7071/api/notifications", outcome: "warn" },
    ];
    const backend = installFakeBackend(conformBackend({ history, reports: [runFixture(6, "warn")] }));
    const user = userEvent.setup();
    renderWithQueries(<ConformScreen />);
    await screen.findByTestId("conform-history-7");
    const list = screen.getByTestId("conform-history");
    expect(within(list).getAllByRole("button").map((b) => b.dataset.testid)).toEqual(["conform-history-7", "conform-history-6"]);
    expect(screen.getByTestId("conform-report-empty")).toBeInTheDocument();
    await user.click(screen.getByTestId("conform-history-6"));
    const report = await screen.findByTestId("conform-report");
    expect(report).toHaveAttribute("data-outcome", "warn");
    expect(screen.getByTestId("conform-check-duplicates")).toHaveAttribute("data-status", "warn");
    expect(screen.getByTestId("conform-fix-duplicates")).toHaveTextContent("Fix:");
    expect(backend.calls.filter((c) => c.command === "conform_report").map((c) => c.request)).toEqual([{ id: 6 }]);
    expect(screen.getByTestId("conform-history-6")).toHaveAttribute("aria-current", "true");
  });

  it("says when there are no earlier runs", async () => {
    installFakeBackend(conformBackend());
    renderWithQueries(<ConformScreen />);
    expect(await screen.findByTestId("conform-history-empty")).toHaveTextContent("No runs yet");
  });

  it("keeps the form when the screen is left and opened again", async () => {
    installFakeBackend(conformBackend());
    const user = userEvent.setup();
    const first = renderWithQueries(<ConformScreen />);
    await user.type(screen.getByTestId("conform-url"), "http://localhost:7071/api/notifications");
    await user.type(screen.getByTestId("conform-client-state"), "abc");
    first.unmount();
    renderWithQueries(<ConformScreen />);
    expect(screen.getByTestId("conform-url")).toHaveValue("http://localhost:7071/api/notifications");
    expect(screen.getByTestId("conform-client-state")).toHaveValue("abc");
    expect(screen.getByTestId("conform-burst")).toHaveValue("1000");
  });
});

describe("the conformance request", () => {
  const form = { url: "", lifecycleUrl: "", clientState: "", appId: "", certificatePath: "", keyPath: "", burst: "1000", sandboxPort: "" };

  it("is sent as shown, and refuses half a key pair, a bad port or burst", () => {
    expect(requestOf({ ...form, url: "https://x.example/hook", burst: "0", sandboxPort: "9123" }).request).toEqual({
      url: "https://x.example/hook",
      lifecycleUrl: null,
      clientState: null,
      certificatePath: null,
      keyPath: null,
      appId: null,
      burst: 0,
      sandboxPort: 9123,
    });
    expect(requestOf(form).request).toBeNull();
    expect(requestOf({ ...form, url: "https://x.example/hook", certificatePath: "/c.pem" }).problems.keyPath).toContain("both, or neither");
    expect(requestOf({ ...form, url: "https://x.example/hook", sandboxPort: "70000" }).problems.sandboxPort).toContain("1 to 65535");
    expect(requestOf({ ...form, url: "https://x.example/hook", burst: "-1" }).problems.burst).toContain("0 skips");
    expect(requestOf({ ...form, url: "https://x.example/hook", burst: "10001" }).problems.burst).toContain("10,000");
    expect(requestOf({ ...form, url: "http://" }).problems.url).toBeDefined();
  });

  it("is written for the command line with what needs quoting quoted", () => {
    expect(cliCommand(form)).toBe("webhook-studio conform URL --junit report.xml");
    expect(cliCommand({ ...form, url: "https://x.example/hook?a=1&b=2", clientState: "it's" })).toBe(
      "webhook-studio conform 'https://x.example/hook?a=1&b=2' --client-state 'it'\\''s' --junit report.xml",
    );
  });
});

describe("navigation", () => {
  it("lists the screen after the Inspector, with shortcuts Ctrl+1…6 in the order shown", () => {
    expect(screens.map((s) => s.id)).toEqual(["resources", "subscriptions", "inspector", "conform", "accounts", "settings"]);
    const { result } = renderHook(() => useScreen());
    const press = (key: string) => {
      act(() => {
        window.dispatchEvent(new KeyboardEvent("keydown", { key, ctrlKey: true }));
      });
    };
    press("4");
    expect(result.current[0]).toBe("conform");
    press("6");
    expect(result.current[0]).toBe("settings");
    press("5");
    expect(result.current[0]).toBe("accounts");
    window.location.hash = "";
  });
});
