// The "Test an endpoint" form as typed, and the one function that turns it into the request sent
// (so what the form shows is what is sent), with the same run as a command line for CI.
import type { ConformRequest } from "../../ipc/bindings";

/** The form as typed: what it shows is what is sent (see `requestOf`). */
export type ConformForm = {
  url: string;
  lifecycleUrl: string;
  clientState: string;
  appId: string;
  certificatePath: string;
  keyPath: string;
  burst: string;
  sandboxPort: string;
};

export const DEFAULT_BURST = 1000;
/** The backend's bound on a burst. */
export const MAX_BURST = 10_000;

export const blankForm: ConformForm = {
  url: "",
  lifecycleUrl: "",
  clientState: "",
  appId: "",
  certificatePath: "",
  keyPath: "",
  burst: String(DEFAULT_BURST),
  sandboxPort: "",
};

export type Problems = Partial<Record<keyof ConformForm, string>>;

/** What is wrong with a URL typed into the form; an empty one is no problem here. */
export function urlProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (!/^https?:\/\//i.test(trimmed)) return "Start it with http:// or https://.";
  if (/\s/.test(trimmed)) return "A URL has no spaces.";
  try {
    if (new URL(trimmed).hostname === "") return "Add the host, as in http://localhost:7071/api/notifications.";
  } catch {
    return "This is not a URL: check the host and the port.";
  }
  return null;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A plain http URL off this machine is allowed, but Graph would never call it: say so. */
export function plainHttpNote(text: string): string | null {
  try {
    const url = new URL(text.trim());
    if (url.protocol === "http:" && !isLoopback(url.hostname)) return "Graph sends only to https:// away from this machine: the TLS check will fail.";
  } catch {
    // Not a URL yet: urlProblem says what is wrong.
  }
  return null;
}

function wholeNumber(text: string, max: number): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value <= max ? value : null;
}

function optional(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}

/** The request the form shows, or the problems to fix first. Every field is sent as shown: an
 * empty one as null (the backend's documented default), the burst always as its number. */
export function requestOf(form: ConformForm): { request: ConformRequest | null; problems: Problems } {
  const problems: Problems = {};
  const urlIssue = urlProblem(form.url);
  if (urlIssue) problems.url = urlIssue;
  const lifecycleIssue = urlProblem(form.lifecycleUrl);
  if (lifecycleIssue) problems.lifecycleUrl = lifecycleIssue;
  const burst = wholeNumber(form.burst, MAX_BURST);
  if (burst === null) problems.burst = "Enter a whole number from 0 (0 skips the burst) to 10,000.";
  const port = form.sandboxPort.trim() === "" ? null : wholeNumber(form.sandboxPort, 65535);
  if (form.sandboxPort.trim() !== "" && (port === null || port === 0)) problems.sandboxPort = "Enter a port from 1 to 65535, or leave it empty for any free one.";
  const certificatePath = optional(form.certificatePath);
  const keyPath = optional(form.keyPath);
  if (certificatePath !== null && keyPath === null) problems.keyPath = "Give the certificate's private key too (both, or neither).";
  if (keyPath !== null && certificatePath === null) problems.certificatePath = "Give the certificate this key belongs to (both, or neither).";
  const url = form.url.trim();
  if (url === "" || burst === null || Object.keys(problems).length > 0) return { request: null, problems };
  return {
    problems,
    request: {
      url,
      lifecycleUrl: optional(form.lifecycleUrl),
      clientState: optional(form.clientState),
      certificatePath,
      keyPath,
      appId: optional(form.appId),
      burst,
      sandboxPort: port,
    },
  };
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** The same run from the command line, for CI: JUnit XML, and a failing exit when a check fails. */
export function cliCommand(form: ConformForm): string {
  const url = form.url.trim();
  const parts = ["webhook-studio conform", url === "" ? "URL" : shellQuote(url)];
  const option = (name: string, value: string) => {
    const trimmed = value.trim();
    if (trimmed !== "") parts.push(`--${name} ${shellQuote(trimmed)}`);
  };
  option("lifecycle-url", form.lifecycleUrl);
  option("client-state", form.clientState);
  option("app-id", form.appId);
  option("certificate", form.certificatePath);
  option("key", form.keyPath);
  if (form.burst.trim() !== String(DEFAULT_BURST)) option("burst", form.burst);
  option("sandbox-port", form.sandboxPort);
  parts.push("--junit report.xml");
  return parts.join(" ");
}

