//! The catalog as an agent reads it: a search ranked by where the words were found, and each
//! resource as one self-contained document (what it watches, its paths with the permissions each
//! account kind needs, least privileged first, its limits and rules), shared by the
//! `catalog_search` tool and the `studio://catalog/…` resources.

use serde_json::{Value, json};
use studio_catalog::model::Resource;
use studio_core::commands::resources::CatalogView;

/// The resources matching every word of `query`, best first (all of them for an empty query).
pub fn search<'a>(view: &'a CatalogView, query: &str, limit: usize) -> Vec<&'a Resource> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut found: Vec<(u32, &Resource)> = view
        .data
        .resources
        .iter()
        .filter_map(|resource| score(resource, &words).map(|s| (s, resource)))
        .collect();
    // Stable: equal scores keep the catalog's order (by workload).
    found.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    found.into_iter().take(limit).map(|(_, r)| r).collect()
}

/// How well `resource` matches: every word must appear somewhere; a word in the name, id or a
/// path counts more than one in the description.
fn score(resource: &Resource, words: &[String]) -> Option<u32> {
    let strong = format!(
        "{} {} {} {}",
        resource.id,
        resource.name,
        resource.workload,
        resource
            .paths
            .iter()
            .map(|p| p.template.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    )
    .to_lowercase();
    let weak = format!(
        "{} {} {}",
        resource.entity,
        resource.description,
        resource
            .paths
            .iter()
            .map(|p| p.summary.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    )
    .to_lowercase();
    words.iter().try_fold(0, |total, word| {
        if strong.contains(word.as_str()) {
            Some(total + 2)
        } else if weak.contains(word.as_str()) {
            Some(total + 1)
        } else {
            None
        }
    })
}

/// One resource, whole, with each path's permissions per account kind.
pub fn document(view: &CatalogView, resource: &Resource) -> Value {
    let paths: Vec<Value> = resource
        .paths
        .iter()
        .map(|path| {
            json!({
                "template": path.template,
                "summary": path.summary,
                "meAllowed": path.me,
                "deprecated": path.deprecated,
                "quotas": path.quotas,
                "permissions": view.permissions.get(&path.template),
            })
        })
        .collect();
    json!({
        "id": resource.id,
        "name": resource.name,
        "workload": resource.workload,
        "entity": resource.entity,
        "description": resource.description,
        "docs": resource.docs,
        "changeTypes": resource.change_types,
        "apiVersions": resource.api,
        "deprecated": resource.deprecated,
        "maxMinutes": resource.max_minutes,
        "maxMinutesWithResourceData": resource.max_minutes_for(true),
        "richNotifications": resource.rich,
        "lifecycle": resource.lifecycle,
        "headers": resource.headers,
        "quotas": resource.quotas,
        "notes": resource.notes,
        "paths": paths,
    })
}

/// A line of the index: enough to choose, `document` for the rest.
pub fn summary(resource: &Resource) -> Value {
    json!({
        "id": resource.id,
        "name": resource.name,
        "workload": resource.workload,
        "description": resource.description,
        "paths": resource.paths.iter().map(|p| p.template.as_str()).collect::<Vec<_>>(),
    })
}
