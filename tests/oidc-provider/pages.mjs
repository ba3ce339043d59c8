// Every HTML page the harness itself renders: sign-in, consent, errors, the device flow's
// code-entry / confirmation / success pages and the sign-out pages, with the html() escaping they
// share. Scripted browsers parse these pages (README.md, "Pages and forms" documents each form,
// field and element id), so their markup is kept in one place and changed only with the README.
// No JavaScript anywhere; every form is method="post".

import { USERS, splitScope } from './tenant.mjs';

export function html(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${html(title)}</title>
</head>
<body>
<h1>${html(title)}</h1>
${body}
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Interactions (/interaction/{uid}).

export function loginPage(uid, { client, value = '', error } = {}) {
  return page('Sign in', `${client ? `<p>Sign in to continue to <strong>${html(client)}</strong>.</p>\n` : ''}${error ? `<p id="error" class="error">${html(error)}</p>\n` : ''}<p>Users: ${USERS.map((u) => `<code>${html(u.login)}</code>`).join(', ')}.</p>
<form method="post" action="/interaction/${html(uid)}/login">
<label>User <input type="text" name="login" value="${html(value)}"></label>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${html(uid)}/abort">
<button type="submit">Cancel</button>
</form>`);
}

export function consentPage(uid, { client, user, scope }) {
  return page('Permissions requested', `<p><strong>${html(client)}</strong> asks <strong>${html(user)}</strong> for:</p>
<ul>
${splitScope(scope).map((s) => `<li><code>${html(s)}</code></li>`).join('\n')}
</ul>
<form method="post" action="/interaction/${html(uid)}/confirm">
<label>Granted scopes <input type="text" name="grant" value="${html(scope)}"></label>
<button type="submit">Accept</button>
</form>
<form method="post" action="/interaction/${html(uid)}/abort">
<button type="submit">Cancel</button>
</form>`);
}

// Also node-oidc-provider's own error page (the renderError option).
export function errorPage(error, description) {
  return page('Error', `<p id="error"><code>${html(error)}</code></p>\n<p id="error_description">${html(description)}</p>`);
}

// ---------------------------------------------------------------------------------------------
// Device flow (verification_uri), for features.deviceFlow's *Source hooks.

// The code-entry page; `err` / `out` are what userCodeInputSource was given after a failed step.
export function enterCodePage({ action, xsrf, out, err }) {
  let message = '<p>Enter the code displayed on your device.</p>';
  if (err && (err.userCode || err.name === 'NoCodeError')) {
    message = `<p id="error" class="error">The code you entered is incorrect (${html(err.message)}). Try again.</p>`;
  } else if (err && err.name === 'AbortedError') {
    message = '<p id="error" class="error">The sign-in request was canceled.</p>';
  } else if (err) {
    message = `<p id="error" class="error">There was an error processing your request: ${html(out?.error)} ${html(out?.error_description)}</p>`;
  }
  return page('Enter code', `${message}
<form method="post" action="${html(action)}">
<input type="hidden" name="xsrf" value="${html(xsrf)}">
<label>Code <input type="text" name="user_code" value="${html(err?.userCode ?? '')}"></label>
<button type="submit">Next</button>
</form>`);
}

// Two forms with the same action, told apart by their confirm=yes / abort=yes input.
export function confirmDevicePage({ action, xsrf, submitted, client, userCode }) {
  action = html(action);
  xsrf = html(xsrf);
  submitted = html(submitted);
  return page('Confirm device sign-in', `<p><strong>${html(client)}</strong> on a device wants to sign in. The device shows the code <code id="user_code">${html(userCode)}</code>.</p>
<form method="post" action="${action}">
<input type="hidden" name="xsrf" value="${xsrf}">
<input type="hidden" name="user_code" value="${submitted}">
<input type="hidden" name="confirm" value="yes">
<button type="submit">Continue</button>
</form>
<form method="post" action="${action}">
<input type="hidden" name="xsrf" value="${xsrf}">
<input type="hidden" name="user_code" value="${submitted}">
<input type="hidden" name="abort" value="yes">
<button type="submit">Cancel</button>
</form>`);
}

export function deviceSuccessPage(client) {
  return page('Sign-in complete', `<p id="success">You have signed in to <strong>${html(client)}</strong> on your device. You can close this page.</p>`);
}

// ---------------------------------------------------------------------------------------------
// Sign-out (features.rpInitiatedLogout).

// `form` is node-oidc-provider's logout form; its stock "yes" button sits outside the form, so
// logout=yes and a button are put inside it.
export function logoutPage(host, form) {
  return page('Sign out', `<p>Sign out of ${html(host)}?</p>
${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/>\n<button type="submit">Sign out</button>\n</form>')}`);
}

export function signedOutPage() {
  return page('Signed out', '<p id="success">You have signed out.</p>');
}
