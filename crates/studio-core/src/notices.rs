//! What the desktop tells the user without being asked: a notification when Graph would start
//! slowing down or dropping the receiver's notifications, and when that is over. The shell shows
//! them (when the setting allows); the words are decided here, where they are tested.
//! "At risk" only shows in the status bar: one slow answer is no reason to interrupt anyone.

use studio_receiver::health::DeliveryState;

/// A desktop notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title.
    pub title: &'static str,
    /// The body.
    pub body: &'static str,
}

fn serious(state: DeliveryState) -> bool {
    matches!(state, DeliveryState::Slow | DeliveryState::Dropping)
}

/// The notice for a move of delivery health, if it deserves one.
pub fn delivery(previous: DeliveryState, state: DeliveryState) -> Option<Notice> {
    match state {
        DeliveryState::Dropping if previous != DeliveryState::Dropping => Some(Notice {
            title: "Graph would drop your notifications",
            body: "More than 15% of your receiver's answers in the last 10 minutes took over 10 s: Graph drops new notifications for up to 10 minutes. Answer 202 first, then work; reconcile the gap afterwards (Subscriptions).",
        }),
        DeliveryState::Slow if previous != DeliveryState::Dropping => Some(Notice {
            title: "Graph would slow down your notifications",
            body: "More than 10% of your receiver's answers in the last 10 minutes took over 10 s: Graph delays deliveries to it. Answer 202 first, then work.",
        }),
        DeliveryState::Healthy | DeliveryState::Quiet if serious(previous) => Some(Notice {
            title: "Your receiver answers in time again",
            body: "Graph's slow and drop rules no longer apply. Check Subscriptions for gaps to reconcile.",
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryState::{AtRisk, Dropping, Healthy, Quiet, Slow};

    #[test]
    fn only_moves_that_matter_interrupt_the_user() {
        assert!(
            delivery(Healthy, AtRisk).is_none(),
            "at risk stays in the status bar"
        );
        assert!(delivery(Healthy, Slow).is_some_and(|n| n.title.contains("slow down")));
        assert!(delivery(Slow, Dropping).is_some_and(|n| n.title.contains("drop")));
        assert!(
            delivery(Dropping, Slow).is_none(),
            "still bad: no new alarm"
        );
        assert!(delivery(Dropping, Healthy).is_some_and(|n| n.title.contains("again")));
        assert!(delivery(Slow, Quiet).is_some());
        assert!(delivery(AtRisk, Healthy).is_none());
        assert!(delivery(Quiet, Healthy).is_none());
    }
}
