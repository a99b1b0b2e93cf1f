//! Two call state machines wired back to back: every `Send` of one becomes an
//! `Input::Signal` of the other, like the relay of a signaling server.

use std::collections::VecDeque;
use std::time::Instant;

use peercall_engine::call::{Action, CallMachine, Input, PeerId};

use super::machine::config;

pub struct Side {
    pub id: PeerId,
    pub machine: CallMachine,
    /// Every action this side produced, in order.
    pub log: Vec<Action>,
}

pub struct Pair {
    pub a: Side,
    pub b: Side,
    /// Messages in flight: (to_b, input).
    wire: VecDeque<(bool, Input)>,
    pub now: Instant,
}

impl Pair {
    pub fn new(a: &str, b: &str) -> Self {
        let side = |id: &str| Side {
            id: PeerId::from(id),
            machine: CallMachine::new(config()),
            log: Vec::new(),
        };
        Self {
            a: side(a),
            b: side(b),
            wire: VecDeque::new(),
            now: Instant::now(),
        }
    }

    /// Feed an input to one side; its sends go on the wire (not yet delivered).
    pub fn input(&mut self, to_a: bool, input: Input) -> Vec<Action> {
        let now = self.now;
        let (me, other_id) = if to_a {
            (&mut self.a, self.b.id.clone())
        } else {
            (&mut self.b, self.a.id.clone())
        };
        let actions = me.machine.handle(input, now);
        for a in &actions {
            if let Action::Send { to, signal } = a {
                assert_eq!(to, &other_id, "sent to an unexpected peer");
                self.wire.push_back((
                    to_a,
                    Input::Signal {
                        from: me.id.clone(),
                        signal: signal.clone(),
                    },
                ));
            }
        }
        me.log.extend(actions.clone());
        actions
    }

    /// Deliver everything in flight (and whatever that produces) in order.
    pub fn deliver_all(&mut self) {
        while let Some((to_b, input)) = self.wire.pop_front() {
            self.input(!to_b, input);
        }
    }

    /// Messages in flight right now, without delivering them.
    pub fn take_wire(&mut self) -> Vec<(bool, Input)> {
        self.wire.drain(..).collect()
    }

    /// Put a message on the wire (e.g. to reorder or duplicate).
    pub fn push_wire(&mut self, to_b: bool, input: Input) {
        self.wire.push_back((to_b, input));
    }
}
