import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { DEPTH_LIMIT, JsonView, NODE_LIMIT, parseForTree, pathText, shapeOf } from "./JsonView";

describe("JsonView", () => {
  it("selects a value by click and copies its path and value", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const text = JSON.stringify({ value: [{ subscriptionId: "s1", resourceData: { "@odata.id": "Users/1" } }] });
    render(<JsonView text={text} testId="tree" />);
    await user.click(screen.getByText('"Users/1"'));
    expect(screen.getByTestId("json-path")).toHaveTextContent('$.value[0].resourceData["@odata.id"]');
    await user.click(screen.getByTestId("json-copy-path"));
    expect(writeText).toHaveBeenLastCalledWith('$.value[0].resourceData["@odata.id"]');
    await user.click(screen.getByTestId("json-copy-value"));
    expect(writeText).toHaveBeenLastCalledWith("Users/1");
    // A key selects its whole subtree.
    await user.click(screen.getByText('"resourceData"'));
    await user.click(screen.getByTestId("json-copy-value"));
    expect(writeText).toHaveBeenLastCalledWith(JSON.stringify({ "@odata.id": "Users/1" }, null, 2));
  });

  it("shows hostile documents as inert text: markup, huge strings, deep nesting, not JSON", () => {
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    expect(parseForTree(deep)).toEqual({ reason: expect.stringContaining("deeper") as unknown });
    expect(shapeOf(JSON.parse(deep) as never, DEPTH_LIMIT, NODE_LIMIT).depth).toBeGreaterThan(DEPTH_LIMIT);
    const wide = JSON.stringify({ value: new Array(1_000_000).fill(0) });
    expect(parseForTree(wide)).toEqual({ reason: expect.stringContaining("too many") as unknown });
    expect(parseForTree("{nope")).toEqual({ reason: expect.stringContaining("JSON") as unknown });
    expect(parseForTree("plain words")).toEqual({ reason: null });
    const markup = "<img src=x onerror=alert(1)><script>x</script>";
    const tree = render(<JsonView text={JSON.stringify({ html: markup, long: "y".repeat(1_500_000) })} />);
    expect(tree.container.querySelector("img, script")).toBeNull();
    expect(tree.container.textContent).toContain("(1500002 chars)");
    expect(tree.container.textContent.length).toBeLessThan(2000);
    tree.unmount();
    const huge = render(<JsonView text={JSON.stringify({ html: markup, long: "y".repeat(5_000_000) })} />);
    expect(huge.container.querySelector("img, script")).toBeNull();
    expect(huge.container.textContent).toContain("too large for a tree");
    expect(huge.container.textContent.length).toBeLessThan(300_000);
  });

  it("writes paths as people do", () => {
    expect(pathText([])).toBe("$");
    expect(pathText(["value", 0, "a b", "_ok"])).toBe('$.value[0]["a b"]._ok');
  });
});
