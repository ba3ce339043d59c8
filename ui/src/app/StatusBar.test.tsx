import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeBackend, idleStatus, installFakeBackend } from "../test/fakeBackend";
import { renderWithQueries } from "../test/render";
import { StatusBar } from "./StatusBar";

describe("StatusBar", () => {
  it("shows account, receiver, tunnel and version", async () => {
    installFakeBackend();
    renderWithQueries(<StatusBar />);
    expect(await screen.findByTestId("status-account")).toHaveTextContent("No account");
    expect(screen.getByTestId("status-receiver")).toHaveTextContent("stopped");
    expect(screen.getByTestId("status-tunnel")).toHaveTextContent("none");
    expect(await screen.findByText("v0.1.0")).toBeInTheDocument();
  });

  it("says when the receiver's answers put it at risk with Graph, and says nothing when healthy", async () => {
    const running = { ...idleStatus, receiver: { state: "running" as const, localUrl: "http://127.0.0.1:7071/abc/notifications", delivery: "dropping" as const } };
    installFakeBackend(fakeBackend({ status: running }));
    renderWithQueries(<StatusBar />);
    const shown = await screen.findByTestId("status-delivery");
    expect(shown).toHaveTextContent("Graph would drop notifications");
    expect(shown).toHaveAttribute("data-state", "dropping");
    expect(shown.getAttribute("title")).toContain("15%");
  });

  it("shows nothing about delivery while the receiver is healthy", async () => {
    const running = { ...idleStatus, receiver: { state: "running" as const, localUrl: "http://127.0.0.1:7071/abc/notifications", delivery: "healthy" as const } };
    installFakeBackend(fakeBackend({ status: running }));
    renderWithQueries(<StatusBar />);
    expect(await screen.findByTestId("status-receiver")).toHaveTextContent("127.0.0.1:7071");
    expect(screen.queryByTestId("status-delivery")).toBeNull();
  });
});
