// Tauri's isolation pattern (macOS and Windows): every IPC message from the window passes
// through this sandboxed frame, encrypted, before it reaches the backend. Which commands the
// window may call is enforced in Rust by the capability (`capabilities/main-window.json`); here we
// only refuse messages that are not shaped like a command call.
window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  if (!payload || typeof payload.cmd !== "string") {
    throw new Error("refused a malformed IPC message");
  }
  return payload;
};
