//! `webhook-studio health` and `webhook-studio reconcile`: the gap audit from a terminal or CI
//! (what the Subscriptions screen's "Delivery health and gaps" shows).

use std::process::ExitCode;

use clap::Args;
use studio_core::commands::gaps::{GapRef, GapsRequest, ReconcileSince};
use studio_core::gaps::reconcile::Reconciliation;
use studio_core::gaps::silence::spoken_duration;
use studio_core::{CoreError, Studio};
use studio_primitives::clock::{rfc3339, unix_of};
use studio_receiver::health::{DeliveryHealth, DeliveryState};

use crate::accounts::print_json;

/// `webhook-studio health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `webhook-studio reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The subscription (one this app made).
    pub subscription: String,
    /// Reconcile from this time (RFC 3339, or how long ago: 90m, 2h, 1d); without it, every
    /// open gap of the subscription.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Reads `--since`: an RFC 3339 time, or a duration ago (`45s`, `90m`, `2h`, `3d`).
pub fn parse_since(text: &str, now: i64) -> Result<i64, CoreError> {
    let text = text.trim();
    let unit = |suffix: char| match suffix {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3_600),
        'd' => Some(86_400),
        _ => None,
    };
    if let Some(last) = text.chars().last()
        && let Some(seconds) = unit(last)
        && let Ok(count) = text[..text.len() - 1].parse::<i64>()
        && count >= 0
    {
        return Ok(now - count.saturating_mul(seconds));
    }
    match unix_of(text) {
        0 => Err(
            CoreError::refused(format!("--since {text} is not a time")).with_hint(
                "Give an RFC 3339 time (2026-11-28T09:00:00Z) or how long ago (90m, 2h, 1d).",
            ),
        ),
        at => Ok(at),
    }
}

fn state_word(state: DeliveryState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// "healthy (12 answers in 10 min; 0 over 3 s, 0 over 10 s; median 4 ms, p95 9 ms)".
fn judged(d: &DeliveryHealth, span: &str) -> String {
    format!(
        "{} ({} answers {span}; {} over 3 s, {} over 10 s; median {} ms, p95 {} ms)",
        state_word(d.state),
        d.answers,
        d.over_expected,
        d.over_slow,
        d.median_ms,
        d.p95_ms
    )
}

/// Runs `health`.
pub async fn health(studio: &Studio, args: &HealthArgs) -> Result<ExitCode, CoreError> {
    let view = studio.health(()).await?;
    if args.json {
        print_json(&view);
        return Ok(ExitCode::SUCCESS);
    }
    let now = studio.clock().now_unix();
    match (&view.delivery, &view.delivery_elsewhere) {
        (Some(d), _) => println!("delivery: {}", judged(d, "in 10 min")),
        (None, Some(r)) => println!(
            "delivery: {} (the receiver of another process: the window or `webhook-studio listen`, recorded {} ago)",
            judged(&r.health, "in 10 min"),
            spoken_duration(now - r.recorded_at)
        ),
        (None, None) => println!(
            "delivery: no receiver is listening (the window or `webhook-studio listen` measures it)"
        ),
    }
    for endpoint in &view.tested {
        let Some(last) = endpoint.runs.first() else {
            continue;
        };
        let earlier: Vec<String> = endpoint
            .runs
            .iter()
            .skip(1)
            .take(9)
            .map(|r| state_word(r.health.state))
            .collect();
        println!(
            "tested {}: {} ({}, by the conformance suite {} ago){}",
            endpoint.url,
            judged(&last.health, "in the run"),
            rfc3339(last.at),
            spoken_duration(now - last.at),
            if earlier.is_empty() {
                String::new()
            } else {
                format!("; earlier runs, newest first: {}", earlier.join(", "))
            }
        );
    }
    if view.subscriptions.is_empty() {
        println!("subscriptions: none made by this app");
    }
    for s in &view.subscriptions {
        let last = s.last_notification_at.map_or("never".to_owned(), |at| {
            format!("{} ago", spoken_duration(now - at))
        });
        println!(
            "{}  {}  last notification {last}; usually within {}{}{}",
            s.id,
            s.resource,
            spoken_duration(i64::from(s.expected_latency_seconds)),
            if s.quiet {
                "; QUIET for longer than usual"
            } else {
                ""
            },
            match s.open_gaps {
                0 => String::new(),
                n => format!("; {n} open gap(s)"),
            }
        );
    }
    for gap in &view.open_gaps {
        println!(
            "gap {}  {}  {} – {}  {}  ({})",
            gap.id,
            gap.cause.as_str(),
            rfc3339(gap.from),
            rfc3339(gap.to),
            gap.subscription_id,
            gap.detail
        );
    }
    let mut open: Vec<&str> = view
        .open_gaps
        .iter()
        .map(|g| g.subscription_id.as_str())
        .collect();
    open.dedup();
    for id in open {
        println!("reconcile with: webhook-studio reconcile {id}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `reconcile`.
pub async fn reconcile(studio: &Studio, args: &ReconcileArgs) -> Result<ExitCode, CoreError> {
    let now = studio.clock().now_unix();
    let results: Vec<Reconciliation> = match &args.since {
        Some(since) => vec![
            studio
                .reconcile_since(ReconcileSince {
                    subscription_id: args.subscription.clone(),
                    since: parse_since(since, now)?,
                })
                .await?,
        ],
        None => {
            let open: Vec<i64> = studio
                .gaps_list(GapsRequest {
                    subscription_id: Some(args.subscription.clone()),
                })
                .await?
                .into_iter()
                .filter(|g| g.reconciled_at.is_none())
                .map(|g| g.id)
                .collect();
            if open.is_empty() {
                return Err(CoreError::not_found(format!(
                    "Subscription {} has no open gap.",
                    args.subscription
                ))
                .with_hint("Reconcile from a time instead: --since 2h (or an RFC 3339 time)."));
            }
            let mut done = Vec::new();
            for id in open {
                done.push(studio.gap_reconcile(GapRef { id }).await?);
            }
            done
        }
    };
    if args.json {
        print_json(&results);
        return Ok(ExitCode::SUCCESS);
    }
    for result in &results {
        print_reconciliation(result);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_reconciliation(r: &Reconciliation) {
    println!(
        "gap {}  {}  {} – {}",
        r.gap_id,
        r.resource,
        rfc3339(r.gap_from),
        rfc3339(r.gap_to)
    );
    match (&r.restarted, r.baseline_at) {
        (Some(code), _) => println!(
            "  the delta token had expired ({code}): read everything again; only items modified since the gap began are judged, deletions cannot be seen"
        ),
        (None, Some(at)) => println!("  changes since {} (the kept delta link)", rfc3339(at)),
        (None, None) => println!(
            "  no usable delta link (none kept, or the kept one is newer than the gap): read everything; only items modified since the gap began are judged, deletions cannot be seen"
        ),
    }
    println!(
        "  {} item(s) read from delta, {} notification item(s) compared",
        r.changes_read, r.notifications_compared
    );
    println!("  changed without a notification: {}", r.unnotified.len());
    for u in &r.unnotified {
        println!(
            "    {}{}  {}{}",
            if u.deleted { "deleted " } else { "" },
            u.id,
            u.label.as_deref().unwrap_or(""),
            if u.in_gap { "  (in the gap)" } else { "" }
        );
    }
    println!("  notified more than once: {}", r.duplicates.len());
    for d in &r.duplicates {
        println!(
            "    {}  {} times  receptions {:?}",
            d.id, d.count, d.reception_ids
        );
    }
    println!("  superseded: {}", r.superseded.len());
    for s in &r.superseded {
        println!("    {}  reception {}  by {}", s.id, s.reception_id, s.by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_times_and_durations_ago() {
        assert_eq!(parse_since("90m", 10_000).ok(), Some(10_000 - 5_400));
        assert_eq!(parse_since("1d", 100_000).ok(), Some(100_000 - 86_400));
        assert_eq!(
            parse_since("2026-11-28T00:00:00Z", 0).ok(),
            Some(unix_of("2026-11-28T00:00:00Z"))
        );
        assert!(parse_since("yesterday", 0).is_err());
        assert!(parse_since("-5m", 0).is_err());
    }
}
