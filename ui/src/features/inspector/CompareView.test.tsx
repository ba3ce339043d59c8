import { describe, expect, it } from "vitest";

import { lineDiff } from "./CompareView";

describe("lineDiff", () => {
  it("marks what changed and folds long unchanged runs", () => {
    const before = ["{", ...Array.from({ length: 20 }, (_, i) => `  "k${String(i)}": ${String(i)},`), '  "subject": "Hello"', "}"].join("\n");
    const after = before.replace('"Hello"', '"Hello again"');
    const lines = lineDiff(before, after);
    expect(lines.filter((l) => l.kind === "removed").map((l) => l.text)).toEqual(['  "subject": "Hello"']);
    expect(lines.filter((l) => l.kind === "added").map((l) => l.text)).toEqual(['  "subject": "Hello again"']);
    expect(lines.find((l) => l.kind === "folded")?.text).toBe("… 15 unchanged lines");
    expect(lineDiff("same", "same").every((l) => l.kind === "same")).toBe(true);
  });
});
