//! Incoming calls (accept, the answer policy, busy) and the peer's candidates.

use peercall_protocol as proto;

use super::super::sim::{Record, SIM_ANSWER};
use super::harness::{candidate, candidate_data, end_data, offer, sent, Sim, BOB, CALL, OFFER};
use crate::call::{CallId, CallState, EndReason, RejectReason, Side, Signal};
use crate::engine::{AnswerPolicy, Command, EngineEvent};
use crate::session::OpenRole;

fn call() -> CallId {
    CallId(CALL.to_owned())
}

#[tokio::test]
async fn accept_opens_a_callee_session_with_the_offer_and_the_candidates_held_while_ringing() {
    let mut sim = Sim::ringing().await;
    sim.bob_sends(candidate_data(CALL, &candidate(1))).await;
    sim.bob_sends(candidate_data(CALL, &candidate(2))).await;
    sim.bob_sends(end_data(CALL)).await;
    sim.settle().await;
    assert!(
        !sim.log.all().iter().any(|r| matches!(r, Record::Opened(_))),
        "a session opened before Accept: {:?}",
        sim.log.all()
    );

    sim.command(Command::Accept);
    let opened = sim
        .log
        .wait_for_record(&Record::Opened(OpenRole::Callee {
            offer: OFFER.to_owned(),
            candidates: vec![candidate(1), candidate(2)],
            end_of_candidates: true,
        }))
        .await;
    let answered = sim
        .log
        .wait_for_record(&sent(Signal::Answer {
            call: call(),
            sdp: SIM_ANSWER.to_owned(),
        }))
        .await;
    assert!(opened < answered);
    sim.state(CallState::Connecting).await;
    sim.shutdown().await;
}

/// The peer's candidates and end of candidates, arriving once the remote description is
/// set, are handed to the session in order.
#[tokio::test]
async fn remote_candidates_and_the_end_of_candidates_reach_the_session() {
    // Callee: after Accept.
    let mut sim = Sim::start(AnswerPolicy::Accept).await;
    sim.bob_sends(offer()).await;
    sim.state(CallState::Connecting).await;
    sim.bob_sends(candidate_data(CALL, &candidate(3))).await;
    sim.bob_sends(end_data(CALL)).await;
    let added = sim
        .log
        .wait_for_record(&Record::Candidate(candidate(3)))
        .await;
    let ended = sim.log.wait_for_record(&Record::EndOfCandidates).await;
    assert!(added < ended, "{:?}", sim.log.all());
    sim.shutdown().await;

    // Caller: held until the answer, then applied after it.
    let (mut sim, call) = Sim::calling().await;
    sim.bob_sends(candidate_data(&call.0, &candidate(4))).await;
    sim.bob_sends(end_data(&call.0)).await;
    sim.settle().await;
    assert!(!sim.log.all().contains(&Record::EndOfCandidates));
    sim.bob_sends(proto::SignalData::Answer {
        call: call.0.clone(),
        sdp: "bob-answer".to_owned(),
    })
    .await;
    let answer = sim
        .log
        .wait_for_record(&Record::ApplyAnswer("bob-answer".to_owned()))
        .await;
    let added = sim
        .log
        .wait_for_record(&Record::Candidate(candidate(4)))
        .await;
    let ended = sim.log.wait_for_record(&Record::EndOfCandidates).await;
    assert!(answer < added && added < ended, "{:?}", sim.log.all());
    sim.shutdown().await;
}

/// What each answer policy does with an offer by itself.
#[tokio::test]
async fn the_answer_policy_decides_before_anybody_is_asked() {
    let reject = |reason| {
        sent(Signal::Reject {
            call: call(),
            reason,
        })
    };
    let answer = sent(Signal::Answer {
        call: call(),
        sdp: SIM_ANSWER.to_owned(),
    });
    // (policy, the reply sent, whether a session opens, the state it ends up in)
    let cases = [
        (AnswerPolicy::Ask, None, false, CallState::IncomingRinging),
        (
            AnswerPolicy::Accept,
            Some(answer),
            true,
            CallState::Connecting,
        ),
        (
            AnswerPolicy::Decline,
            Some(reject(RejectReason::Declined)),
            false,
            CallState::Ended(EndReason::Declined(Side::Local)),
        ),
        (
            AnswerPolicy::Busy,
            Some(reject(RejectReason::Busy)),
            false,
            // `busy` is the reply's word; here we declined it.
            CallState::Ended(EndReason::Declined(Side::Local)),
        ),
    ];
    for (policy, reply, opens, state) in cases {
        let mut sim = Sim::start(policy).await;
        sim.bob_sends(offer()).await;
        sim.event("IncomingCall", |e| {
            matches!(e, EngineEvent::IncomingCall { .. })
        })
        .await;
        sim.state(state.clone()).await;
        if let Some(reply) = &reply {
            sim.log.wait_for_record(reply).await;
        }
        sim.settle().await;
        let log = sim.log.all();
        let sent_to_bob: Vec<&Record> = log
            .iter()
            .filter(|r| matches!(r, Record::Sent { to, .. } if to.0 == BOB))
            .collect();
        assert_eq!(sent_to_bob, reply.iter().collect::<Vec<_>>(), "{policy:?}");
        let opened = log.iter().any(|r| matches!(r, Record::Opened(_)));
        assert_eq!(opened, opens, "{policy:?}: {log:?}");
        sim.shutdown().await;
    }
}

/// A second offer while a call goes on is answered `busy` without a word to the app,
/// and the call goes on.
#[tokio::test]
async fn a_second_offer_during_a_call_is_answered_busy() {
    let (mut sim, _call) = Sim::connected().await;
    sim.server(peercall_signal::client::ClientEvent::Signal {
        from: proto::PeerId("carol".to_owned()),
        data: proto::SignalData::Offer {
            call: "call-2".to_owned(),
            sdp: "carol-offer".to_owned(),
            media: proto::Media {
                audio: true,
                video: true,
            },
        },
    })
    .await;
    sim.log
        .wait_for_record(&Record::Sent {
            to: crate::call::PeerId("carol".to_owned()),
            signal: Signal::Reject {
                call: CallId("call-2".to_owned()),
                reason: RejectReason::Busy,
            },
        })
        .await;
    sim.settle().await;
    let log = sim.log.all();
    assert_eq!(
        log.iter()
            .filter(|r| matches!(r, Record::Opened(_)))
            .count(),
        1,
        "{log:?}"
    );
    assert!(!log.contains(&Record::SessionClosed), "{log:?}");
    sim.shutdown().await;
}
