//! A scripted browser: follows redirects one by one with a cookie jar, fills and submits the HTML
//! forms an authority shows (sign-in, consent, device code), and ends by following the redirect
//! to the app's loopback listener for real. It knows nothing about either authority beyond the
//! field values a test gives it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use reqwest::Url;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use studio_identity::flows::Browser;

/// What the person at the browser does.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// Field values to type or choose, by input name (`login`, `grant`, `user_code`, …).
    pub fields: Vec<(String, String)>,
    /// Submit the form whose HTML contains this (e.g. `abort` or `deny`); by default the first
    /// form that is not a refusal.
    pub choose: Option<String>,
    /// Replace `state` in the final redirect (an attacker's answer).
    pub tamper_state: bool,
    /// Replace `iss` in the final redirect (a mix-up).
    pub tamper_iss: bool,
}

/// The browser; it remembers the pages it visited.
#[derive(Debug, Default)]
pub struct ScriptedBrowser {
    person: Mutex<Person>,
    /// The pages visited, for failure messages.
    pub trail: Mutex<Vec<String>>,
}

impl ScriptedBrowser {
    /// What the person does at the next sign-in.
    pub fn act_as(&self, person: Person) {
        if let Ok(mut current) = self.person.lock() {
            *current = person;
        }
    }

    fn person(&self) -> Person {
        self.person.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Walks from `url` until a page without a form, or the loopback redirect.
    pub async fn walk(&self, url: &str) -> Result<String, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let mut cookies: HashMap<String, String> = HashMap::new();
        let mut url = Url::parse(url).map_err(|e| e.to_string())?;
        let mut body: Option<Vec<(String, String)>> = None;
        for _ in 0..40 {
            let loopback = url.host_str() == Some("localhost");
            if loopback {
                url = self.tampered(url);
            }
            self.note(format!(
                "{} {url}",
                if body.is_some() { "POST" } else { "GET" }
            ));
            let jar: String = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let request = match body.take() {
                Some(form) => client.post(url.clone()).form(&form),
                None => client.get(url.clone()),
            };
            let response = request
                .header(COOKIE, jar)
                .send()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            for value in response.headers().get_all(SET_COOKIE) {
                let text = value.to_str().unwrap_or_default();
                if let Some((name, rest)) = text.split(';').next().and_then(|c| c.split_once('=')) {
                    if rest.is_empty() || text.to_ascii_lowercase().contains("max-age=0") {
                        cookies.remove(name.trim());
                    } else {
                        cookies.insert(name.trim().to_owned(), rest.to_owned());
                    }
                }
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or("a redirect without Location")?;
                url = url.join(location).map_err(|e| e.to_string())?;
                continue;
            }
            let page = response.text().await.unwrap_or_default();
            if loopback {
                return Ok(page);
            }
            let Some((action, form)) = self.fill(&page) else {
                self.note(format!(
                    "ended on {status}: {}",
                    page.chars().take(300).collect::<String>()
                ));
                return Ok(page);
            };
            url = url.join(&action).map_err(|e| e.to_string())?;
            body = Some(form);
        }
        Err("the authority kept redirecting".into())
    }

    fn note(&self, line: String) {
        if let Ok(mut trail) = self.trail.lock() {
            trail.push(line);
        }
    }

    fn tampered(&self, mut url: Url) -> Url {
        let person = self.person();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = match k.as_ref() {
                    "state" if person.tamper_state => "forged".to_owned(),
                    "iss" if person.tamper_iss => "https://attacker.example".to_owned(),
                    _ => v.into_owned(),
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url
    }

    /// The form to submit on `page` with the person's values: its action and fields.
    fn fill(&self, page: &str) -> Option<(String, Vec<(String, String)>)> {
        let person = self.person();
        let forms: Vec<&str> = page
            .split("<form")
            .skip(1)
            .map(|f| f.split("</form>").next().unwrap_or(f))
            .collect();
        let refusal = |f: &str| f.contains("abort") || f.contains("deny") || f.contains("decline");
        let form = match &person.choose {
            Some(wanted) => forms.iter().find(|f| f.contains(wanted.as_str()))?,
            None => forms.iter().find(|f| !refusal(f)).or(forms.first())?,
        };
        let head = form.split('>').next().unwrap_or_default();
        let action = attribute(head, "action").unwrap_or_default();
        let mut fields: Vec<(String, String)> = Vec::new();
        for tag in form.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            let kind = tag.split_whitespace().next().unwrap_or_default();
            if !matches!(kind, "input" | "select") {
                continue;
            }
            let Some(name) = attribute(tag, "name") else {
                continue;
            };
            let value = if kind == "select" {
                let options = form
                    .split(&format!("name={name}"))
                    .nth(1)
                    .unwrap_or_default();
                options
                    .split("<option")
                    .nth(1)
                    .and_then(|o| attribute(o.split('>').next().unwrap_or_default(), "value"))
                    .unwrap_or_default()
            } else {
                attribute(tag, "value").unwrap_or_default()
            };
            fields.push((name, html_unescape(&value)));
        }
        for (name, value) in &person.fields {
            match fields.iter_mut().find(|(n, _)| n == name) {
                Some(field) => field.1.clone_from(value),
                None if form.contains(&format!("name={name}"))
                    || form.contains(&format!("name=\"{name}\"")) =>
                {
                    fields.push((name.clone(), value.clone()));
                }
                None => {}
            }
        }
        Some((html_unescape(&action), fields))
    }
}

/// An attribute of a tag, quoted or not.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}="))? + name.len() + 2;
    let rest = &tag[at..];
    let value = match rest.chars().next()? {
        quote @ ('"' | '\'') => rest[1..].split(quote).next()?.to_owned(),
        _ => rest
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()?
            .to_owned(),
    };
    Some(value)
}

fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl Browser for ScriptedBrowser {
    fn open(&self, url: &str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        let url = url.to_owned();
        Box::pin(async move { self.walk(&url).await.map(|_| ()) })
    }
}
