// The rule that keeps styles from colliding: a class is defined (a rule whose whole selector is
// that class, with pseudo-classes or attributes) in exactly one stylesheet. Shared components
// live in styles/components.css; a feature's stylesheet defines only its own classes and may
// adjust others only under its own scope (`.inspector-screen .input`).
import { describe, expect, it } from "vitest";

/** Every stylesheet of the window, by path, as text. */
const stylesheets = import.meta.glob<string>("/src/**/*.css", { query: "?raw", import: "default", eager: true });

/** The classes a stylesheet defines: rules whose whole selector is one class. */
export function definedClasses(css: string): Set<string> {
  const defined = new Set<string>();
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  let selector = "";
  for (const char of text) {
    if (char === "{") {
      const trimmed = selector.trim();
      if (!trimmed.startsWith("@")) {
        for (const part of trimmed.split(",")) {
          const match = /^\.([A-Za-z][\w-]*)(?:\[[^\]]*\]|::?[\w-]+(?:\([^)]*\))?)*$/.exec(part.trim());
          if (match?.[1]) defined.add(match[1]);
        }
      }
      selector = "";
    } else if (char === "}" || char === ";") {
      selector = "";
    } else {
      selector += char;
    }
  }
  return defined;
}

describe("stylesheets", () => {
  it("define each class in one place only", () => {
    const owners = new Map<string, string[]>();
    expect(Object.keys(stylesheets).length).toBeGreaterThan(5);
    for (const [file, css] of Object.entries(stylesheets)) {
      for (const name of definedClasses(css)) {
        owners.set(name, [...(owners.get(name) ?? []), file]);
      }
    }
    // Read for real: an empty read (CSS stubbed by the test runner) would make this pass vacuously.
    expect(owners.size).toBeGreaterThan(100);
    const collisions = [...owners].filter(([, files]) => files.length > 1).map(([name, files]) => `.${name}: ${files.join(", ")}`);
    expect(collisions).toEqual([]);
  });

  it("read a definition only where the selector is the class itself", () => {
    const css = ".a { x: 1 } .b:hover, .c[aria-current=page] { x: 2 } .d .e { x: 3 } @media (x) { .f { x: 4 } }";
    expect([...definedClasses(css)].sort()).toEqual(["a", "b", "c", "f"]);
  });
});
