//! Path templates: `/teams/{team-id}/channels/{channel-id}/messages` and friends.
//!
//! A template is literal text with `{name}` placeholders, optionally followed by a query
//! (`?$filter=…`). It compiles to an anchored, case-insensitive regex over the normalized resource
//! string; placeholders in the path match one segment, placeholders in the query match the rest.

use regex::Regex;

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text that must appear as is (compared without case, then checked for case).
    Literal(String),
    /// A `{name}` placeholder.
    Placeholder(String),
}

/// Why a template is malformed (a data bug, caught by the data tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{` without `}`.
    #[error("unclosed placeholder in `{0}`")]
    Unclosed(String),
    /// `{}` or a name with characters other than a-z, 0-9 and `-`.
    #[error("bad placeholder name `{name}` in `{template}`")]
    BadName {
        /// The template.
        template: String,
        /// The offending name.
        name: String,
    },
    /// Not starting with `/`.
    #[error("template `{0}` must start with `/`")]
    NotAbsolute(String),
}

/// A parsed, compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    text: String,
    parts: Vec<Part>,
    query_starts_at: Option<usize>,
    regex: Regex,
}

impl Template {
    /// Parses and compiles a template.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        if !text.starts_with('/') {
            return Err(TemplateError::NotAbsolute(text.to_owned()));
        }
        let normalized = normalize(text);
        let mut parts = Vec::new();
        let mut rest = normalized.as_str();
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| TemplateError::Unclosed(text.to_owned()))?;
            let name = &after[..close];
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                return Err(TemplateError::BadName {
                    template: text.to_owned(),
                    name: name.to_owned(),
                });
            }
            parts.push(Part::Placeholder(name.to_owned()));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        let query_starts_at = parts
            .iter()
            .position(|p| matches!(p, Part::Literal(l) if l.contains('?')));
        let mut pattern = String::from("(?i)^");
        let mut in_query = false;
        for part in &parts {
            match part {
                Part::Literal(literal) => {
                    pattern.push_str(&regex::escape(literal));
                    in_query |= literal.contains('?');
                }
                Part::Placeholder(_) if in_query => pattern.push_str("(.+?)"),
                Part::Placeholder(_) => pattern.push_str("([^/?]+)"),
            }
        }
        pattern.push('$');
        let regex = Regex::new(&pattern).map_err(|_| TemplateError::Unclosed(text.to_owned()))?;
        Ok(Template {
            text: text.to_owned(),
            parts,
            query_starts_at,
            regex,
        })
    }

    /// The template as written in the catalog.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The pieces, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The placeholder names, in order.
    pub fn placeholders(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Placeholder(name) => Some(name.as_str()),
                Part::Literal(_) => None,
            })
            .collect()
    }

    /// Whether the template carries a query (`?$filter=…`).
    pub fn has_query(&self) -> bool {
        self.query_starts_at.is_some()
    }

    /// How much literal text it has: the more, the more specific (`/teams/getAllMessages` beats
    /// `/teams/{team-id}`).
    pub fn specificity(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.len(),
                Part::Placeholder(_) => 0,
            })
            .sum()
    }

    /// Matches a normalized resource string; answers the placeholder values in order.
    pub fn captures(&self, normalized: &str) -> Option<Vec<String>> {
        let caps = self.regex.captures(normalized)?;
        Some(
            caps.iter()
                .skip(1)
                .map(|m| m.map(|m| m.as_str().to_owned()).unwrap_or_default())
                .collect(),
        )
    }

    /// Fills the placeholders in order; missing values leave `{name}` in place.
    pub fn fill(&self, values: &[String]) -> String {
        let mut out = String::new();
        let mut next = values.iter();
        for part in &self.parts {
            match part {
                Part::Literal(literal) => out.push_str(literal),
                Part::Placeholder(name) => match next.next() {
                    Some(value) if !value.is_empty() => out.push_str(value),
                    _ => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }
}

/// Puts a resource string in the form templates are matched against: a leading `/`, no slash
/// before the query or at the end, no surrounding spaces.
pub fn normalize(resource: &str) -> String {
    let trimmed = resource.trim();
    let (path, query) = match trimmed.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (trimmed, None),
    };
    let path = path.trim_end_matches('/');
    let mut out = String::with_capacity(trimmed.len() + 1);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_placeholders_and_query() {
        let t = Template::parse("/security/alerts?$filter={odata-filter}").ok();
        let t = t.as_ref();
        assert_eq!(t.map(Template::placeholders), Some(vec!["odata-filter"]));
        assert_eq!(t.map(Template::has_query), Some(true));
        let caps = t.and_then(|t| t.captures("/security/alerts?$filter=status eq 'newAlert'"));
        assert_eq!(caps, Some(vec!["status eq 'newAlert'".to_owned()]));
    }

    #[test]
    fn path_placeholders_take_one_segment() {
        let t = Template::parse("/teams/{team-id}/channels").ok();
        assert!(
            t.as_ref()
                .and_then(|t| t.captures("/teams/a/b/channels"))
                .is_none()
        );
        assert!(
            t.as_ref()
                .and_then(|t| t.captures("/teams/a/channels"))
                .is_some()
        );
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(Template::parse("teams").is_err());
        assert!(Template::parse("/teams/{team-id").is_err());
        assert!(Template::parse("/teams/{}").is_err());
        assert!(Template::parse("/teams/{Team}").is_err());
    }

    #[test]
    fn normalizes_slashes_and_spaces() {
        assert_eq!(normalize(" me/messages/ "), "/me/messages");
        assert_eq!(
            normalize("/communications/onlineMeetings/?$filter=x"),
            "/communications/onlineMeetings?$filter=x"
        );
    }

    #[test]
    fn fill_keeps_missing_placeholders_visible() {
        let t = Template::parse("/teams/{team-id}/channels/{channel-id}/messages").ok();
        let filled = t.map(|t| t.fill(&["T1".to_owned()]));
        assert_eq!(
            filled.as_deref(),
            Some("/teams/T1/channels/{channel-id}/messages")
        );
    }
}
