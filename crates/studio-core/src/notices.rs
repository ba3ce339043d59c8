//! What the desktop tells the user without being asked: a notification when Graph would start
//! slowing down or dropping the receiver's notifications, and one when that is over. The shell
//! shows them (when the setting allows); when and in which words is decided here, where it is
//! tested.
//!
//! Delivery health can hover around a threshold (slow, at risk, slow, …) as answers enter and
//! leave the 10-minute window. So an alarm of one kind is raised at most once per
//! [`QUIET_SECONDS`], a worse one (dropping after slow) at once, and "answers in time again"
//! comes with the first state that is neither slow nor dropping after an alarm (at risk
//! included: Graph's rules no longer apply), at most once per quiet time too. "At risk" alone only
//! shows in the status bar: one slow answer is no reason to interrupt anyone.

use studio_receiver::health::DeliveryState;

use crate::error::CoreError;

/// The least time between two notices of the same kind, in seconds.
pub const QUIET_SECONDS: i64 = 600;

/// A desktop notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title.
    pub title: &'static str,
    /// The body.
    pub body: &'static str,
}

const DROPPING: Notice = Notice {
    title: "Graph would drop your notifications",
    body: "More than 15% of your receiver's answers in the last 10 minutes took over 10 s: Graph drops new notifications for up to 10 minutes. Answer 202 first, then work; reconcile the gap afterwards (Subscriptions).",
};
const SLOW: Notice = Notice {
    title: "Graph would slow down your notifications",
    body: "More than 10% of your receiver's answers in the last 10 minutes took over 10 s: Graph delays deliveries to it. Answer 202 first, then work.",
};
const RECOVERED: Notice = Notice {
    title: "Your receiver answers in time again",
    body: "Graph's slow and drop rules no longer apply. Check Subscriptions for gaps to reconcile.",
};

/// What "Show a test notification" (Settings → Notifications) shows: proof that this desktop
/// shows the app's notifications before one matters.
pub const TEST: Notice = Notice {
    title: "Graph Webhook Studio can reach you",
    body: "This is how the app will tell you when Graph would slow down or drop your receiver's notifications.",
};

/// Who shows a notice on the desktop: the shell's notification service; none in the CLI and the
/// tests unless they record one.
pub trait DesktopNotifier: Send + Sync + std::fmt::Debug {
    /// Hands `notice` to the desktop (which shows it on its own time: an accepted notice may
    /// still not appear when the desktop has no notification service).
    fn show(&self, notice: &Notice) -> Result<(), CoreError>;
}

/// No desktop: the command line.
#[derive(Debug, Default)]
pub struct NoDesktop;

impl DesktopNotifier for NoDesktop {
    fn show(&self, _notice: &Notice) -> Result<(), CoreError> {
        Err(
            CoreError::refused("There is no desktop to show a notification on.")
                .with_hint("Desktop notifications come from the window; run `webhook-studio` without a subcommand."),
        )
    }
}

impl crate::studio::Studio {
    /// `notification_test`: shows [`TEST`] on the desktop, whatever the setting (the user asked).
    pub async fn notification_test(&self, (): ()) -> Result<(), CoreError> {
        self.desktop().show(&TEST)?;
        tracing::info!(
            title = TEST.title,
            "test notification handed to the desktop"
        );
        Ok(())
    }

    /// Shows the notice a move of delivery health calls for, when the setting allows
    /// (`notices` remembers what was said).
    pub fn notify_delivery(&self, notices: &mut Notices, state: DeliveryState) {
        let Some(notice) = notices.on_change(state, self.clock().now_unix()) else {
            return;
        };
        if !self.settings_now().desktop_notifications {
            return;
        }
        match self.desktop().show(&notice) {
            Ok(()) => tracing::info!(title = notice.title, "desktop notification shown"),
            Err(error) => {
                tracing::warn!(%error, title = notice.title, "the desktop notification could not be shown");
            }
        }
    }
}

/// What has been said so far.
#[derive(Debug, Default, Clone)]
pub struct Notices {
    /// The alarm in force (slow or dropping), if any.
    alarm: Option<DeliveryState>,
    /// When each kind was last said: dropping, slow, recovered.
    said: [Option<i64>; 3],
}

impl Notices {
    /// The notice for delivery health now being `state` at `now` (Unix seconds), if any.
    pub fn on_change(&mut self, state: DeliveryState, now: i64) -> Option<Notice> {
        let (slot, notice) = match state {
            DeliveryState::Dropping if self.alarm != Some(DeliveryState::Dropping) => (0, DROPPING),
            DeliveryState::Slow if self.alarm.is_none() => (1, SLOW),
            DeliveryState::Slow | DeliveryState::Dropping => return None,
            _ if self.alarm.is_some() => (2, RECOVERED),
            _ => return None,
        };
        self.alarm = match slot {
            2 => None,
            _ => Some(state),
        };
        let recent = self.said[slot].is_some_and(|at| now - at < QUIET_SECONDS);
        if recent {
            return None;
        }
        self.said[slot] = Some(now);
        Some(notice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryState::{AtRisk, Dropping, Healthy, Quiet, Slow};

    fn titles(moves: &[(DeliveryState, i64)]) -> Vec<&'static str> {
        let mut notices = Notices::default();
        moves
            .iter()
            .filter_map(|(state, at)| notices.on_change(*state, *at))
            .map(|n| n.title)
            .collect()
    }

    #[test]
    fn alarms_recoveries_and_no_chatter_at_a_threshold() {
        assert!(
            titles(&[(AtRisk, 0), (Healthy, 1)]).is_empty(),
            "at risk stays in the status bar"
        );
        assert_eq!(titles(&[(Slow, 0)]), [SLOW.title]);
        assert_eq!(
            titles(&[(Slow, 0), (Dropping, 5)]),
            [SLOW.title, DROPPING.title],
            "worse at once"
        );
        assert_eq!(
            titles(&[(Dropping, 0), (Slow, 5)]),
            [DROPPING.title],
            "still bad: no new alarm"
        );
        assert_eq!(
            titles(&[(Slow, 0), (AtRisk, 60), (Healthy, 120)]),
            [SLOW.title, RECOVERED.title],
            "recovery is said on leaving slow, through at risk"
        );
        assert_eq!(
            titles(&[
                (Slow, 0),
                (AtRisk, 1),
                (Slow, 2),
                (AtRisk, 3),
                (Slow, 4),
                (Quiet, 5)
            ]),
            [SLOW.title, RECOVERED.title],
            "hovering at 10% says each thing once in ten minutes"
        );
        assert_eq!(
            titles(&[(Slow, 0), (Healthy, 1), (Slow, QUIET_SECONDS + 1)]),
            [SLOW.title, RECOVERED.title, SLOW.title]
        );
    }
}
