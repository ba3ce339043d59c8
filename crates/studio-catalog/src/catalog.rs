//! The embedded catalog, parsed once, and resolution of concrete resource strings against it.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{CatalogData, Resource, ResourcePath};
use crate::template::{Template, normalize};

/// The data file, embedded at compile time.
pub const CATALOG_TOML: &str = include_str!("../data/catalog.toml");

/// The catalog could not be loaded: a bug in the embedded data (the data tests catch it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the built-in resource catalog is broken: {0}")]
pub struct CatalogError(pub String);

/// The catalog with every template compiled.
#[derive(Debug)]
pub struct Catalog {
    data: CatalogData,
    /// (resource index, path index, compiled template), in catalog order.
    templates: Vec<(usize, usize, Template)>,
}

static CATALOG: LazyLock<Result<Catalog, CatalogError>> =
    LazyLock::new(|| Catalog::parse(CATALOG_TOML));

/// A resource string matched to one catalog path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Resolved {
    /// The resource's id.
    pub resource_id: String,
    /// The matching template.
    pub template: String,
    /// Placeholder names and the values the string gave them, in order.
    pub values: Vec<(String, String)>,
    /// The string used `/me` for `/users/{user-id}`.
    pub uses_me: bool,
    /// The string as Graph documents it (fixed casing, leading slash, no trailing slash).
    pub canonical: String,
}

impl Catalog {
    /// The built-in catalog.
    pub fn get() -> Result<&'static Catalog, CatalogError> {
        CATALOG.as_ref().map_err(Clone::clone)
    }

    /// Parses catalog TOML and compiles its templates.
    pub fn parse(toml_text: &str) -> Result<Catalog, CatalogError> {
        let data: CatalogData =
            toml::from_str(toml_text).map_err(|e| CatalogError(e.to_string()))?;
        let mut templates = Vec::new();
        for (r, resource) in data.resources.iter().enumerate() {
            for (p, path) in resource.paths.iter().enumerate() {
                let template =
                    Template::parse(&path.template).map_err(|e| CatalogError(e.to_string()))?;
                templates.push((r, p, template));
            }
        }
        Ok(Catalog { data, templates })
    }

    /// Everything, as data.
    pub fn data(&self) -> &CatalogData {
        &self.data
    }

    /// Every resource, in catalog order.
    pub fn resources(&self) -> &[Resource] {
        &self.data.resources
    }

    /// A resource by id.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.data.resources.iter().find(|r| r.id == id)
    }

    /// Every compiled template with its resource and path.
    pub fn templates(&self) -> impl Iterator<Item = (&Resource, &ResourcePath, &Template)> {
        self.templates.iter().filter_map(|(r, p, t)| {
            let resource = self.data.resources.get(*r)?;
            Some((resource, resource.paths.get(*p)?, t))
        })
    }

    /// The resource and path of a template text.
    pub fn path(&self, template: &str) -> Option<(&Resource, &ResourcePath)> {
        self.templates()
            .find(|(_, _, t)| t.text() == template)
            .map(|(r, p, _)| (r, p))
    }

    /// Matches a resource string (with or without leading slash, `/me` forms, any casing) to the
    /// most specific catalog path. `None` when nothing matches.
    pub fn resolve(&self, resource: &str) -> Option<Resolved> {
        let normalized = normalize(strip_graph_base(resource));
        let (candidate, uses_me) = expand_me(&normalized);
        // Templates without a query match the path alone; the query ($select, …) is kept.
        let (path_only, query) = match candidate.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (candidate.clone(), None),
        };
        let mut best: Option<(usize, &Resource, &ResourcePath, &Template, Vec<String>)> = None;
        for (r, p, t) in self.templates() {
            if uses_me && !p.me {
                continue;
            }
            let subject = if t.has_query() {
                &candidate
            } else {
                &path_only
            };
            let Some(values) = t.captures(subject) else {
                continue;
            };
            let better = best
                .as_ref()
                .is_none_or(|(score, ..)| t.specificity() > *score);
            if better {
                best = Some((t.specificity(), r, p, t, values));
            }
        }
        let (_, resource, path, template, values) = best?;
        let mut canonical = template.fill(&values);
        if let (false, Some(query)) = (template.has_query(), &query) {
            canonical.push('?');
            canonical.push_str(query);
        }
        if uses_me {
            canonical = canonical.replacen("/users/me", "/me", 1);
        }
        Some(Resolved {
            resource_id: resource.id.clone(),
            template: path.template.clone(),
            values: template
                .placeholders()
                .into_iter()
                .map(str::to_owned)
                .zip(values)
                .collect(),
            uses_me,
            canonical,
        })
    }

    /// The templates most like an unknown resource string, best first; written with `/me` when
    /// the string used it (`/me/mesages` → `/me/messages`, not `/users/{user-id}/messages`).
    pub fn nearest(&self, resource: &str, how_many: usize) -> Vec<String> {
        let wanted = normalize(strip_graph_base(resource)).to_lowercase();
        let (wanted, uses_me) = expand_me(&wanted);
        let mut scored: Vec<(f64, &str)> = self
            .templates()
            .map(|(_, p, t)| {
                let sample = t
                    .fill(&vec!["x".to_owned(); t.placeholders().len()])
                    .to_lowercase();
                let path_only = |s: &str| s.split('?').next().unwrap_or_default().to_owned();
                let score =
                    strsim::normalized_levenshtein(&path_only(&wanted), &path_only(&sample))
                        .max(strsim::jaro_winkler(&wanted, &sample) * 0.9);
                (score, p.template.as_str())
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut nearest: Vec<String> = Vec::with_capacity(how_many);
        for (_, template) in scored {
            let shown = match template.strip_prefix("/users/{user-id}") {
                Some(rest) if uses_me && (rest.is_empty() || rest.starts_with('/')) => {
                    format!("/me{rest}")
                }
                _ => template.to_owned(),
            };
            if !nearest.contains(&shown) {
                nearest.push(shown);
            }
            if nearest.len() == how_many {
                break;
            }
        }
        nearest
    }
}

/// `https://graph.microsoft.com/v1.0/me/messages` → `me/messages` (the validator reports it).
pub fn strip_graph_base(resource: &str) -> &str {
    let trimmed = resource.trim();
    let lower = trimmed.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return trimmed;
    }
    let after_scheme = trimmed.split_once("://").map_or("", |(_, rest)| rest);
    let after_host = after_scheme.split_once('/').map_or("", |(_, rest)| rest);
    for version in ["v1.0/", "beta/"] {
        if after_host.to_ascii_lowercase().starts_with(version) {
            return &after_host[version.len()..];
        }
    }
    after_host
}

/// `/me/…` → `/users/me/…` so the `/users/{user-id}` templates match.
fn expand_me(normalized: &str) -> (String, bool) {
    let lower = normalized.to_ascii_lowercase();
    if lower == "/me" || lower.starts_with("/me/") || lower.starts_with("/me?") {
        (format!("/users/me{}", &normalized[3..]), true)
    } else {
        (normalized.to_owned(), false)
    }
}
