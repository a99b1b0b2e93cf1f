//! The incoming-call policy, pure: what the engine answers by itself before asking anybody.

use crate::call::{Input, RejectReason};
use crate::engine::AnswerPolicy;

/// The input to feed right after `IncomingCall` was reported; `None`: wait for the user.
pub(super) fn reply(policy: AnswerPolicy) -> Option<Input> {
    match policy {
        AnswerPolicy::Ask => None,
        AnswerPolicy::Accept => Some(Input::Accept),
        AnswerPolicy::Decline => Some(Input::Reject(RejectReason::Declined)),
        AnswerPolicy::Busy => Some(Input::Reject(RejectReason::Busy)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_answers_as_its_name_says() {
        let cases = [
            (AnswerPolicy::Ask, "None"),
            (AnswerPolicy::Accept, "Some(Accept)"),
            (AnswerPolicy::Decline, "Some(Reject(Declined))"),
            (AnswerPolicy::Busy, "Some(Reject(Busy))"),
        ];
        for (policy, want) in cases {
            assert_eq!(format!("{:?}", reply(policy)), want, "{policy:?}");
        }
    }
}
